"""Realistic received messages, as the programs Polish customers use send them."""

from __future__ import annotations

import base64
import io
import zipfile

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
       b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00"
       b"\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
POLISH = "Zażółć gęślą jaźń ĄĆĘŁŃÓŚŹŻ"


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def eight_bit(charset: str) -> bytes:
    """A Thunderbird/Outlook message with 8-bit body and a Q-encoded subject in ``charset``."""
    subject = "=?{}?Q?{}?=".format(charset, "".join(
        f"={byte:02X}" if byte > 127 or byte in b" =?_" else chr(byte)
        for byte in POLISH.encode(charset)).replace("=20", "_"))
    name = "Pawe=C5=82" if charset == "utf-8" else "Pawe=B3"
    head = (f"From: =?{charset}?Q?{name}_Nowak?= <Pawel.Nowak@Example.PL>\r\n"
            "To: bok@firma.pl\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{charset}@example.pl>\r\n"
            "Date: Tue, 03 Feb 2026 09:15:00 +0100\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset={charset}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n")
    return head.encode("ascii") + f"Dzień dobry,\r\n{POLISH}\r\n".encode(charset)


def mislabeled() -> bytes:
    """Windows-1250 bytes the sender's program labelled ISO-8859-1."""
    head = ("From: a@x.pl\r\nTo: bok@firma.pl\r\nSubject: test\r\nMessage-ID: <ml@x.pl>\r\n"
            "Content-Type: text/plain; charset=iso-8859-1\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n")
    return head.encode() + POLISH.encode("windows-1250")


def unknown_charset() -> bytes:
    head = ("From: a@x.pl\r\nSubject: =?x-nonsense?Q?Zam=F3wienie?=\r\n"
            "Message-ID: <uc@x.pl>\r\nContent-Type: text/plain; charset=x-nonsense\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n")
    return head.encode() + POLISH.encode("iso-8859-2")


NEWSLETTER = b"""From: Sklep <newsletter@sklep.pl>
To: bok@firma.pl
Subject: Promocja tygodnia
Message-ID: <news-1@sklep.pl>
List-Unsubscribe: <mailto:unsub@sklep.pl>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><head><title>Newsletter</title><style>p{color:red}</style></head><body>
<h1>Promocja</h1><p>Pierwszy akapit =C5=BC=C3=B3=C5=82w.</p><p>Drugi<br>wiersz</p>
<p><a href=3D"https://sklep.pl/p">Zobacz ofert=C4=99</a></p>
<img src=3D"https://track.sklep.pl/pixel.gif" width=3D"1" height=3D"1">
</body></html>
"""

OUTLOOK_REPLY = """From: Jan Kowalski <jan@klient.pl>
To: bok@firma.pl
Subject: RE: [TK-2026-000012] Reklamacja
Message-ID: <outlook-1@klient.pl>
In-Reply-To: <ours-1@firma.pl>
References: <root@firma.pl> <ours-1@firma.pl>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Dziękuję, przesyłam brakujące dane.

Pozdrawiam
Jan

________________________________
Od: Biuro Obsługi <bok@firma.pl>
Wysłano: poniedziałek, 2 lutego 2026 10:00
Do: Jan Kowalski <jan@klient.pl>
Temat: [TK-2026-000012] Reklamacja

Prosimy o numer zamówienia.
""".replace("\n", "\r\n").encode("utf-8")

OUTLOOK_ORIGINAL = """From: jan@klient.pl
Subject: odp
Message-ID: <ol2@klient.pl>
Content-Type: text/plain; charset=utf-8

Nowa treść.

-----Wiadomość oryginalna-----
Od: bok@firma.pl
Wysłano: 2 lutego 2026
Stara treść.
""".encode()

GMAIL_REPLY = """From: Anna <anna@gmail.com>
To: bok@firma.pl
Subject: Re: Zamówienie
Message-ID: <CAgmail@mail.gmail.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="000gm"

--000gm
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: 8bit

Tak, proszę o zwrot.

W dniu pon., 2 lut 2026 o 10:00 Biuro Obsługi <bok@firma.pl>
napisał(a):

> Czy chce Pani zwrot?
>

--000gm
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: 8bit

<div dir="ltr">Tak, proszę o zwrot.</div><br><div class="gmail_quote">
<div dir="ltr" class="gmail_attr">W dniu pon., 2 lut 2026 o 10:00 Biuro Obsługi &lt;
<a href="mailto:bok@firma.pl">bok@firma.pl</a>&gt; napisał(a):<br></div>
<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Czy chce Pani zwrot?
</blockquote></div>

--000gm--
""".encode()

THUNDERBIRD_HTML_ONLY = b"""From: ewa@x.pl
Subject: Re: x
Message-ID: <tb@x.pl>
Content-Type: text/html; charset=utf-8

<html><body><p>Nowe zdanie.</p><div class="moz-cite-prefix">On 2/2/26 10:00, bok wrote:<br></div>
<blockquote type="cite">Stare zdanie.</blockquote></body></html>
"""


def with_files() -> bytes:
    """Inline image (related), a PDF its sender called an image, a docx, an attached
    mail and an RFC 2231 filename."""
    return f"""From: Firma <zamowienia@firma-klienta.pl>
To: bok@firma.pl
Subject: Faktura
Message-ID: <files@firma-klienta.pl>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mix"

--mix
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

W załączniku faktura. Logo poniżej.
--alt
Content-Type: text/html; charset=utf-8

<p>W załączniku faktura.</p><img src="cid:logo@firma"><img src="http://x/y.png">
--alt--
--rel
Content-Type: image/png; name="logo.png"
Content-ID: <logo@firma>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

{b64(PNG)}
--rel--
--mix
Content-Type: image/jpeg; name="faktura.pdf"
Content-Disposition: attachment; filename="../../etc/faktura.pdf"
Content-Transfer-Encoding: base64

{b64(PDF)}
--mix
Content-Type: application/octet-stream
Content-Disposition: attachment;
 filename*=utf-8''Umowa%20%C5%BC%C3%B3%C5%82ta.docx
Content-Transfer-Encoding: base64

{b64(docx())}
--mix
Content-Type: message/rfc822

From: stary@x.pl
Subject: Poprzednia wiadomość
Message-ID: <inner@x.pl>

Treść poprzedniej.
--mix--
""".encode()


def oversize(size: int) -> bytes:
    return f"""From: a@x.pl
Subject: duży
Message-ID: <big@x.pl>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

Plik w zalaczniku.
--b
Content-Type: application/pdf
Content-Disposition: attachment; filename="skan.pdf"
Content-Transfer-Encoding: base64

{b64(PDF + b"0" * size)}
--b--
""".encode()


BROKEN_MIME = b"""From: a@x.pl
Subject: zepsuty
Message-ID: <broken@x.pl>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="nie-ma-go"

--inna-granica
Content-Type: text/plain

Tekst, ktorego parser nie znajdzie jako czesci.
--inna-granica--
"""

NO_BOUNDARY = b"""From: a@x.pl
Subject: bez granicy
Message-ID: <nob@x.pl>
MIME-Version: 1.0
Content-Type: multipart/mixed

Tekst bez granicy.
"""

DSN = b"""From: Mail Delivery System <MAILER-DAEMON@mx.firma.pl>
To: bok@firma.pl
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.firma.pl>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="r"

--r
Content-Type: text/plain

Your message could not be delivered.
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.firma.pl

Final-Recipient: rfc822; nikt@x.pl
Action: failed
Status: 5.1.1
--r--
"""

OUT_OF_OFFICE = """From: Marek <marek@klient.pl>
To: bok@firma.pl
Subject: Nieobecność: Reklamacja
Message-ID: <ooo@klient.pl>
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

Jestem na urlopie do 10 lutego.
""".encode()

HOSTILE = b"""From: zly@x.pl
Subject: hostile
Message-ID: <hostile@x.pl>
Content-Type: text/html; charset=utf-8

<p onclick="window.pwned=1">Witam</p><script>window.pwned=1</script>
<img src="x" onerror="window.pwned=1"><img src="https://tracker.example/p.gif">
<a href="javascript:window.pwned=1">kliknij</a><a href="https://ok.example/">ok</a>
<iframe src="https://evil.example/"></iframe>
<form action="https://evil.example/"><input name="p"></form>
<style>body{background:url(https://tracker.example/bg)}</style><svg onload="window.pwned=1"></svg>
<img src="data:text/html;base64,PHNjcmlwdD4=">
"""

NO_MESSAGE_ID = b"""From: a@x.pl
Subject: bez identyfikatora
Content-Type: text/plain

Tresc.
"""
