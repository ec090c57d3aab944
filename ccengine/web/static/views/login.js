// The login form. Errors are shown as text next to the form.
import { h, t } from "../app.js";

export async function render(root, { logIn }) {
  const error = h("p", { class: "error", role: "alert" });
  const login = h("input", { name: "login", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password",
                                autocomplete: "current-password", required: true });
  const form = h("form", { class: "card login", onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await logIn(login.value, password.value);
    } catch (failure) {
      error.textContent = failure.error === "too-many-logins"
        ? t("Too many failed attempts. Try again in a few minutes.")
        : t("Wrong login or password.");
    }
  } },
  h("h1", {}, t("Contact center")),
  h("label", {}, t("Login"), login),
  h("label", {}, t("Password"), password),
  h("button", { type: "submit", class: "primary" }, t("Log in")),
  error);
  root.append(form);
  login.focus();
}
