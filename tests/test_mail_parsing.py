"""Received e-mail as Polish customers' programs send it: charsets, quoted history,
HTML cleaned, files sniffed, broken MIME kept whole, machine-made mail marked."""

from __future__ import annotations

import base64
import random
import time

import pytest

from ccengine.mail.model import Automatic
from ccengine.mail.parsing import RAW_NAME, parse_message
from ccengine.mail.sniffing import DOCX, safe_filename, sniff
from tests import mail_samples as s


@pytest.mark.parametrize("charset", ["iso-8859-2", "windows-1250", "utf-8"])
def test_polish_charsets_read_in_body_subject_and_name(charset: str) -> None:
    mail = parse_message(s.eight_bit(charset))
    assert s.POLISH in mail.text
    assert mail.subject == s.POLISH
    assert mail.from_name == "Paweł Nowak"
    assert mail.from_address == "pawel.nowak@example.pl"
    assert mail.message_id == f"<{charset}@example.pl>"
    assert mail.sent_at is not None and mail.sent_at.hour == 9


@pytest.mark.parametrize("charset", ["utf-8", "iso-8859-2", "windows-1250"])
def test_unencoded_8bit_headers_are_read(charset: str) -> None:
    raw = "From: Łukasz Żak <Ł@x.pl>\nSubject: Zażółć gęślą\n\nx\n".encode(charset)
    mail = parse_message(raw)
    assert mail.subject == "Zażółć gęślą"
    assert mail.from_name == "Łukasz Żak"


def test_a_mislabelled_or_unknown_charset_still_reads_polish() -> None:
    assert s.POLISH in parse_message(s.mislabeled()).text
    unknown = parse_message(s.unknown_charset())
    assert s.POLISH in unknown.text
    assert unknown.subject == "Zamówienie"
    lying = parse_message(b"From: a@x.pl\nSubject: Re: =?utf-8?Q?Zam=F3wienie_=B3?= nr 5\n\nx\n")
    assert lying.subject == "Re: Zamówienie ł nr 5"
    named = parse_message(b"From: =?x-nonsense?Q?Pawe=B3?= <p@x.pl>\nSubject: x\n\nx\n")
    assert named.from_name == "Paweł" and named.from_address == "p@x.pl"


def test_an_html_only_newsletter_gets_text_and_is_bulk() -> None:
    mail = parse_message(s.NEWSLETTER)
    assert mail.automatic is Automatic.BULK
    assert "Pierwszy akapit żółw." in mail.text
    assert "Drugi\nwiersz" in mail.text and "Zobacz ofertę" in mail.text
    assert "Newsletter" not in mail.text and "color" not in mail.text
    assert mail.html is not None and "track.sklep.pl" not in mail.html
    assert 'href="https://sklep.pl/p"' in mail.html and "noopener noreferrer" in mail.html


def test_an_outlook_reply_folds_the_polish_history() -> None:
    mail = parse_message(s.OUTLOOK_REPLY)
    assert mail.text.startswith("Dziękuję") and mail.text.rstrip().endswith("Jan")
    assert mail.quoted_text is not None and "Prosimy o numer zamówienia." in mail.quoted_text
    assert "Prosimy" not in mail.text
    assert mail.in_reply_to == "<ours-1@firma.pl>"
    assert mail.references == ("<root@firma.pl>", "<ours-1@firma.pl>")
    original = parse_message(s.OUTLOOK_ORIGINAL)
    assert original.text == "Nowa treść." and "Stara treść." in (original.quoted_text or "")


def test_a_gmail_reply_folds_text_and_blockquote() -> None:
    mail = parse_message(s.GMAIL_REPLY)
    assert mail.text == "Tak, proszę o zwrot."
    assert mail.quoted_text is not None and "Czy chce Pani zwrot?" in mail.quoted_text
    assert mail.html is not None and "zwrot?" not in mail.html and "Tak, proszę" in mail.html


def test_a_thunderbird_html_only_reply_folds_its_blockquote() -> None:
    mail = parse_message(s.THUNDERBIRD_HTML_ONLY)
    assert mail.text == "Nowe zdanie."
    assert "Stare zdanie." in (mail.quoted_text or "")


def test_a_reply_written_between_quotes_keeps_everything() -> None:
    raw = b"From: a@x.pl\nSubject: x\n\n> pytanie 1\nodpowiedz 1\n> pytanie 2\nodpowiedz 2\n"
    mail = parse_message(raw)
    assert mail.quoted_text is None and "odpowiedz 2" in mail.text
    tail = parse_message(b"From: a@x.pl\nSubject: x\n\nNowe.\n\n> stare\n> starsze\n")
    assert tail.text == "Nowe." and tail.quoted_text == "> stare\n> starsze"


def test_files_are_sniffed_named_safely_and_inline_images_kept() -> None:
    mail = parse_message(s.with_files())
    files = {file.filename: file for file in mail.attachments}
    assert set(files) == {"logo.png", "faktura.pdf", "Umowa żółta.docx",
                          "Poprzednia wiadomość.eml"}
    assert files["faktura.pdf"].content_type == "application/pdf"  # the sender said jpeg
    assert files["logo.png"].inline and files["logo.png"].content_id == "<logo@firma>"
    assert files["logo.png"].content_type == "image/png"
    assert files["Umowa żółta.docx"].content_type == DOCX
    eml = files["Poprzednia wiadomość.eml"]
    assert eml.content_type == "message/rfc822" and b"<inner@x.pl>" in eml.data
    assert not files["faktura.pdf"].inline
    assert mail.html is not None and 'src="cid:logo@firma"' in mail.html
    assert "http://x/y.png" not in mail.html
    assert mail.text == "W załączniku faktura. Logo poniżej."


def test_an_attachment_over_the_limit_is_named_in_a_note() -> None:
    mail = parse_message(s.oversize(3000), max_attachment_bytes=2000)
    assert mail.attachments == ()
    assert len(mail.notes) == 1 and "skan.pdf" in mail.notes[0] and "KB" in mail.notes[0]
    assert mail.text.strip() == "Plik w zalaczniku."
    kept = parse_message(s.oversize(3000), max_attachment_bytes=10_000)
    assert [file.filename for file in kept.attachments] == ["skan.pdf"]


@pytest.mark.parametrize("raw", [s.BROKEN_MIME, s.NO_BOUNDARY])
def test_broken_mime_keeps_the_whole_message(raw: bytes) -> None:
    mail = parse_message(raw)
    raw_files = [file for file in mail.attachments if file.filename == RAW_NAME]
    assert len(raw_files) == 1 and raw_files[0].data == raw
    assert raw_files[0].content_type == "message/rfc822"
    assert any(RAW_NAME in note for note in mail.notes)
    assert mail.from_address == "a@x.pl"
    assert "Tekst" in mail.text and len(mail.attachments) == 1


def test_bounces_and_auto_replies_are_marked() -> None:
    dsn = parse_message(s.DSN)
    assert dsn.automatic is Automatic.BOUNCE
    assert parse_message(s.OUT_OF_OFFICE).automatic is Automatic.AUTO_REPLY
    assert parse_message(s.OUTLOOK_REPLY).automatic is None
    base = b"From: a@x.pl\nSubject: x\n"
    for header, kind in [(b"Auto-Submitted: no\n", None),
                         (b"X-Autoreply: yes\n", Automatic.AUTO_REPLY),
                         (b"X-Autorespond: yes\n", Automatic.AUTO_REPLY),
                         (b"Precedence: auto_reply\n", Automatic.AUTO_REPLY),
                         (b"Precedence: bulk\n", Automatic.BULK),
                         (b"Precedence: junk\n", Automatic.BULK),
                         (b"List-Id: <lista.x.pl>\n", Automatic.BULK)]:
        assert parse_message(base + header + b"\nx\n").automatic is kind, header
    postmaster = b"From: postmaster@x.pl\nSubject: x\n\nx\n"
    assert parse_message(postmaster).automatic is Automatic.BOUNCE


def test_hostile_html_is_cleaned() -> None:
    mail = parse_message(s.HOSTILE)
    html = mail.html or ""
    for bad in ("script", "onerror", "onclick", "onload", "javascript:", "tracker.example",
                "iframe", "<form", "<input", "<style", "evil.example", "data:text"):
        assert bad not in html.lower(), bad
    assert 'href="https://ok.example/"' in html and "Witam" in html
    assert "Witam" in mail.text and "pwned" not in mail.text


def test_a_missing_message_id_is_made_stably_from_the_bytes() -> None:
    first = parse_message(s.NO_MESSAGE_ID)
    assert first.message_id == parse_message(s.NO_MESSAGE_ID).message_id
    assert first.message_id.endswith("@ccengine.invalid>") and len(first.message_id) == 83
    assert first.message_id != parse_message(s.NO_MESSAGE_ID + b"x").message_id


def test_random_bytes_never_raise_and_never_lose_the_message() -> None:
    rng = random.Random(20261205)
    seeds = [s.with_files(), s.GMAIL_REPLY, s.DSN, s.eight_bit("iso-8859-2")]
    for round_ in range(400):
        if round_ % 2:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(600)))
        else:  # a real message with some bytes flipped or cut off
            raw = bytearray(rng.choice(seeds))
            for _ in range(rng.randrange(1, 20)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
            raw = raw[: rng.randrange(1, len(raw) + 1)]
        mail = parse_message(bytes(raw))
        assert mail.message_id.startswith("<")
        assert "\x00" not in mail.text + (mail.html or "") + mail.subject


def test_hostile_html_costs_linear_time() -> None:
    started = time.monotonic()
    for html in ("<div class=" * 100_000, "<" * 500_000, "<blockquote " * 100_000):
        raw = b"From: a@x.pl\nSubject: x\nContent-Type: text/html\n\n" + html.encode()
        parse_message(raw)
    assert time.monotonic() - started < 60  # quadratic searches took hours


def test_sniffing_and_names() -> None:
    assert sniff(s.PNG) == "image/png" and sniff(s.PDF) == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg" and sniff(b"GIF89a..") == "image/gif"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(s.docx()) == DOCX and sniff(b"PK\x03\x04junk") == "application/zip"
    assert sniff("zwykły tekst\n".encode()) == "text/plain"
    assert sniff(b"\x00\x01\x02") == "application/octet-stream"
    assert safe_filename("C:\\Users\\x\\..\\pismo.pdf", "f") == "pismo.pdf"
    assert safe_filename("a\x00b\u202ecod.exe", "f") == "abcod.exe"
    assert safe_filename("..", "fallback.bin") == "fallback.bin"
    long = safe_filename("x" * 400 + ".pdf", "f")
    assert len(long) == 150 and long.endswith(".pdf")


def test_an_encoded_line_separator_leaves_the_subject_and_name() -> None:
    def word(text: str) -> str:
        return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="

    separators = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    raw = (f"From: {word('Anna' + separators + 'Nowak')} <anna@klient.pl>\r\n"
           f"To: bok@firma.pl\r\nSubject: {word('Faktura' + separators + 'nr 7')}\r\n"
           "Message-ID: <sep@klient.pl>\r\n\r\nTreść.\r\n").encode()
    parsed = parse_message(raw)
    assert parsed.subject.split() == ["Faktura", "nr", "7"]
    assert parsed.from_name is not None and parsed.from_name.split() == ["Anna", "Nowak"]
    for value in (parsed.subject, parsed.from_name):
        assert len(value.splitlines()) == 1
