"""The HTML a customer's site pastes in to show a form; pure.

A plain ``<form>`` that posts to the public URL (it works without JavaScript: the
answer is a redirect to the thank-you page), the honeypot pushed off-screen by CSS,
and a small optional script that posts with fetch and shows the ticket number in
place. Every value written into it is escaped.
"""

from __future__ import annotations

from html import escape

from ccengine.forms.model import FieldKind, FormField, FormSpec
from ccengine.forms.rules import HONEYPOT

INPUT_TYPES = {FieldKind.TEXT: "text", FieldKind.EMAIL: "email", FieldKind.PHONE: "tel"}
WORDS = {
    "pl": {"send": "Wyślij", "sent": "Dziękujemy! Numer zgłoszenia: ",
           "failed": "Nie udało się wysłać formularza. Spróbuj ponownie.",
           "choose": "— wybierz —", "honeypot": "Nie wypełniaj tego pola"},
    "en": {"send": "Send", "sent": "Thank you! Your ticket number: ",
           "failed": "The form could not be sent. Please try again.",
           "choose": "— choose —", "honeypot": "Leave this field empty"},
}
# Reads its own <form> (the element just before it) and the words from data attributes.
SCRIPT = """<script>
(function (form) {
  var out = form.querySelector(".ccengine-form-result");
  form.addEventListener("submit", function (event) {
    if (!window.fetch) return;
    event.preventDefault();
    fetch(form.action, {method: "POST", headers: {"Accept": "application/json"},
                        body: new URLSearchParams(new FormData(form))})
      .then(function (r) { return r.json().then(function (d) { return [r.ok, d]; }); })
      .then(function (a) {
        if (!a[0]) throw new Error(a[1].message || "");
        out.textContent = form.dataset.sent + (a[1].ticket || "");
        out.dataset.ticket = a[1].ticket || "";
        form.reset();
      })
      .catch(function (e) { out.textContent = form.dataset.failed + " " + e.message; });
  });
})(document.currentScript.previousElementSibling);
</script>"""


def snippet(spec: FormSpec, action: str, language: str = "pl") -> str:
    words = WORDS.get(language, WORDS["pl"])
    rows = "\n".join(_row(field, language, words) for field in spec.fields)
    return (f'<form class="ccengine-form" method="post" accept-charset="utf-8" '
            f'action="{escape(action)}" data-form="{escape(spec.key)}" '
            f'data-sent="{escape(words["sent"])}" data-failed="{escape(words["failed"])}">\n'
            f"{rows}\n{_honeypot(words)}\n"
            f'  <p><button type="submit">{escape(words["send"])}</button></p>\n'
            f'  <p class="ccengine-form-result" role="status" aria-live="polite"></p>\n'
            f"</form>\n{SCRIPT}\n")


def _row(field: FormField, language: str, words: dict[str, str]) -> str:
    label = field.label_en if language == "en" else field.label_pl
    return (f'  <p><label>{escape(label)}{" *" if field.required else ""}<br>\n'
            f"    {_control(field, words)}</label></p>")


def _control(field: FormField, words: dict[str, str]) -> str:
    common = (f'name="{escape(field.name)}"' + (" required" if field.required else ""))
    if field.kind is FieldKind.TEXTAREA:
        return f'<textarea {common} maxlength="{field.max_length}" rows="5"></textarea>'
    if field.kind is FieldKind.CHOICE:
        options = "".join(f'<option value="{escape(choice)}">{escape(choice)}</option>'
                          for choice in field.choices)
        return (f'<select {common}><option value="">{escape(words["choose"])}</option>'
                f"{options}</select>")
    return (f'<input type="{INPUT_TYPES[field.kind]}" {common} '
            f'maxlength="{field.max_length}">')


def _honeypot(words: dict[str, str]) -> str:
    return ('  <div style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;'
            'overflow:hidden" aria-hidden="true">'
            f'<label>{escape(words["honeypot"])}<input type="text" name="{HONEYPOT}" '
            'tabindex="-1" autocomplete="off"></label></div>')


def thank_you_page(ticket: str | None, language: str = "pl") -> str:
    """The built-in page a plain post lands on when the form names no thank-you URL."""
    words = WORDS.get(language, WORDS["pl"])
    said = escape(words["sent"]) + (f"<strong>{escape(ticket)}</strong>" if ticket else "")
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>OK</title></head>"
            f'<body><p class="ccengine-form-thanks">{said}</p></body></html>')
