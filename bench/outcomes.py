"""The outcomes workload (#13): scripted customers in four languages, and what the desk did.

Runs a real front desk in-process (SQLite in a temporary folder, the shipped classifier, the
knowledge base below imported over the articles service, mails written as .eml files that the
scripted customers read their reset links from) and plays each conversation over the web-chat
HTTP API: how-to questions with and without a matching article, password resets, questions
about support hours, contact and outages, incidents and change requests, in English, German,
French and Spanish (browser language set, and a few customers whose browser says English while
they write another language). Prints one line per conversation and then:

* **automation rate**: of the conversations the bot may legitimately close (a how-to question
  an article answers, a service request it can fulfil, a question about hours/contact/status),
  the share it closed without an agent;
* **self-service rate**: conversations resolved by the customer with an article;
* **answered in the customer's language**: the share of the bot's messages written in the
  language the customer writes (judged by the catalogs' sentences each message contains);
* **FCR**: ``first_contact_resolution_rate`` of the period's report.

    make bench-outcomes        (.venv/bin/python bench/outcomes.py)
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fulfilment_scenarios import Run
from bot.app import FRONTDESK, create_app
from bot.settings import load_settings
from models.accounts import AccountRole
from service.i18n import messages
from service.knowledge import ArticleBook

LANGUAGES = ("en", "de", "fr", "es")

ARTICLES: list[dict[str, Any]] = [
    {
        "key": "invite",
        "title": "Inviting a colleague",
        "body": "Go to **Team → Members** and press **Invite**. Your colleague gets an email with a link that stays valid for seven days.",
        "de": (
            "Kolleginnen und Kollegen einladen",
            "Öffnen Sie **Team → Mitglieder** und klicken Sie auf **Einladen**. Ihre Kollegin erhält eine E-Mail mit einem Link, der sieben Tage gültig ist.",
        ),
        "fr": (
            "Inviter un collègue",
            "Allez dans **Équipe → Membres** et cliquez sur **Inviter**. Votre collègue reçoit un e-mail avec un lien valable sept jours.",
        ),
        "es": (
            "Invitar a un compañero",
            "Ve a **Equipo → Miembros** y pulsa **Invitar**. Tu compañero recibe un correo con un enlace válido durante siete días.",
        ),
    },
    {
        "key": "export",
        "title": "Exporting your data to CSV",
        "body": "Open **Reports**, choose the period and press **Export → CSV**. The file holds every ticket of the period, one per row.",
        "de": (
            "Daten als CSV exportieren",
            "Öffnen Sie **Berichte**, wählen Sie den Zeitraum und klicken Sie auf **Exportieren → CSV**. Die Datei enthält jedes Ticket des Zeitraums, eines pro Zeile.",
        ),
        "fr": (
            "Exporter vos données en CSV",
            "Ouvrez **Rapports**, choisissez la période et cliquez sur **Exporter → CSV**. Le fichier contient chaque ticket de la période, un par ligne.",
        ),
        "es": (
            "Exportar tus datos a CSV",
            "Abre **Informes**, elige el periodo y pulsa **Exportar → CSV**. El archivo contiene cada ticket del periodo, uno por fila.",
        ),
    },
    {
        "key": "notify",
        "title": "Turning email notifications on or off",
        "body": "Open **Settings → Notifications** and switch **Email** on or off for each kind of update. Changes apply at once.",
        "fr": (
            "Activer ou désactiver les notifications par e-mail",
            "Ouvrez **Paramètres → Notifications** et activez ou désactivez **E-mail** pour chaque type de mise à jour. Les changements s'appliquent immédiatement.",
        ),
    },
    {
        "key": "2fa",
        "title": "Setting up two-factor authentication",
        "body": "Open **Profile → Security**, press **Enable two-factor authentication** and scan the QR code with an authenticator app. Keep the recovery codes somewhere safe.",
        "es": (
            "Configurar la verificación en dos pasos",
            "Abre **Perfil → Seguridad**, pulsa **Activar la verificación en dos pasos** y escanea el código QR con una app de autenticación. Guarda los códigos de recuperación en un lugar seguro.",
        ),
        "de": (
            "Zwei-Faktor-Authentifizierung einrichten",
            "Öffnen Sie **Profil → Sicherheit**, klicken Sie auf **Zwei-Faktor-Authentifizierung aktivieren** und scannen Sie den QR-Code mit einer Authenticator-App.",
        ),
    },
    {
        "key": "calendar",
        "title": "Connecting your Google or Outlook calendar",
        "body": "Open **Integrations → Calendar**, pick Google or Outlook and sign in. Meetings then appear on each ticket's timeline.",
    },
    {
        "key": "delete",
        "title": "Deleting a project",
        "body": "Open the project, then **Settings → Danger zone → Delete project**. Type the project's name to confirm; deleted projects cannot be restored.",
    },
]


@dataclass(frozen=True)
class Conversation:
    """One scripted customer: ``kind`` says what the bot may do, ``expect`` the article key."""

    name: str
    language: str  # what the customer writes
    kind: str  # howto, howto_unsolved, howto_none, reset, info, incident, change
    text: str
    expect: str = ""
    browser: str = ""  # the widget's browser language, when it differs from ``language``

    @property
    def closable(self) -> bool:
        return self.kind in ("howto", "howto_unsolved", "reset", "info")


C = Conversation
CONVERSATIONS: list[Conversation] = [
    # how-to questions an article answers, solved by the customer
    C("en invite", "en", "howto", "what do I do to add a coworker to our workspace?", "invite"),
    C("en export", "en", "howto", "How can I export my tickets as a CSV file?", "export"),
    C("en notify", "en", "howto", "How do I stop getting notification emails?", "notify"),
    C("en 2fa", "en", "howto", "How do I turn on two-factor authentication?", "2fa"),
    C("en calendar", "en", "howto", "Can I connect my Outlook calendar?", "calendar"),
    C("en delete", "en", "howto", "How do I delete a project I no longer need?", "delete"),
    C("de invite", "de", "howto", "Wie lade ich eine Kollegin in unser Team ein?", "invite"),
    C("de export", "de", "howto", "Wie exportiere ich meine Daten als CSV?", "export"),
    C("de 2fa", "de", "howto", "Wie richte ich die Zwei-Faktor-Authentifizierung ein?", "2fa"),
    C("de calendar", "de", "howto", "Wie verbinde ich meinen Google-Kalender?", "calendar"),
    C("de delete", "de", "howto", "Wie kann ich ein Projekt löschen?", "delete"),
    C("fr invite", "fr", "howto", "Comment inviter un collègue dans mon équipe ?", "invite"),
    C("fr export", "fr", "howto", "Comment exporter mes données en CSV ?", "export"),
    C("fr notify", "fr", "howto", "Comment désactiver les notifications par e-mail ?", "notify"),
    C("fr delete", "fr", "howto", "Comment supprimer un projet ?", "delete"),
    C("fr 2fa", "fr", "howto", "Comment activer l'authentification à deux facteurs ?", "2fa"),
    C("es invite", "es", "howto", "¿Cómo invito a un compañero a mi equipo?", "invite"),
    C("es export", "es", "howto", "¿Cómo exporto mis datos a CSV?", "export"),
    C("es 2fa", "es", "howto", "¿Cómo activo la verificación en dos pasos?", "2fa"),
    C("es notify", "es", "howto", "¿Cómo desactivo las notificaciones por correo?", "notify"),
    C("es calendar", "es", "howto", "¿Cómo conecto mi calendario de Google?", "calendar"),
    # the browser says English, the customer writes another language
    C(
        "fr invite (en browser)",
        "fr",
        "howto",
        "Comment ajouter un collègue à notre espace ?",
        "invite",
        "en",
    ),
    C(
        "de export (en browser)",
        "de",
        "howto",
        "Wie kann ich einen CSV-Export machen?",
        "export",
        "en",
    ),
    C("es delete (en browser)", "es", "howto", "¿Cómo borro un proyecto?", "delete", "en"),
    # how-to questions an article answers, but the customer still needs help
    C(
        "en invite, still stuck",
        "en",
        "howto_unsolved",
        "How do I invite a colleague to the team?",
        "invite",
    ),
    C(
        "de export, still stuck",
        "de",
        "howto_unsolved",
        "Wie bekomme ich einen CSV-Export meiner Tickets?",
        "export",
    ),
    C(
        "fr notify, still stuck",
        "fr",
        "howto_unsolved",
        "Comment couper les e-mails de notification ?",
        "notify",
    ),
    C(
        "es 2fa, still stuck",
        "es",
        "howto_unsolved",
        "¿Cómo configuro la autenticación en dos pasos?",
        "2fa",
    ),
    # how-to questions no article answers: the normal ticket path
    C("en no article", "en", "howto_none", "How do I change the colour of my invoices?"),
    C("en no article 2", "en", "howto_none", "Can I get a refund for last month's plan?"),
    C(
        "de no article",
        "de",
        "howto_none",
        "Wie ändere ich die Rechnungsadresse auf meinen Rechnungen?",
    ),
    C("de no article 2", "de", "howto_none", "Kann ich meinen Tarif auf Jahreszahlung umstellen?"),
    C("fr no article", "fr", "howto_none", "Comment changer la devise de mes factures ?"),
    C(
        "fr no article 2",
        "fr",
        "howto_none",
        "Puis-je obtenir un remboursement pour le mois dernier ?",
    ),
    C("es no article", "es", "howto_none", "¿Cómo cambio la moneda de mis facturas?"),
    C("es no article 2", "es", "howto_none", "¿Puedo pagar con transferencia bancaria?"),
    # password resets the bot fulfils (the customer follows the mailed link)
    C("en reset", "en", "reset", "I forgot my password and can't get in, please reset it"),
    C("en reset 2", "en", "reset", "Please send me a password reset link"),
    C("de reset", "de", "reset", "Ich habe mein Passwort vergessen, bitte zurücksetzen"),
    C("de reset 2", "de", "reset", "Bitte setzen Sie mein Passwort zurück"),
    C("fr reset", "fr", "reset", "J'ai oublié mon mot de passe, pouvez-vous le réinitialiser ?"),
    C("fr reset 2", "fr", "reset", "Je voudrais réinitialiser mon mot de passe"),
    C("es reset", "es", "reset", "He olvidado mi contraseña, ¿podéis restablecerla?"),
    C("es reset 2", "es", "reset", "Necesito restablecer mi contraseña"),
    # questions about the desk itself
    C("en hours", "en", "info", "What are your support hours?"),
    C("en status", "en", "info", "Is there an outage right now?"),
    C("de hours", "de", "info", "Was sind eure Öffnungszeiten?"),
    C("fr contact", "fr", "info", "Comment vous contacter par téléphone ?"),
    C("es hours", "es", "info", "¿Cuál es vuestro horario de atención?"),
    # incidents and change requests: agents' work
    C(
        "en outage",
        "en",
        "incident",
        "Nothing loads at all since 8am, the whole service is unreachable!",
    ),
    C("en crash", "en", "incident", "The desktop app crashes every time I open a report"),
    C("de outage", "de", "incident", "Seit heute Morgen ist der ganze Dienst nicht erreichbar!"),
    C(
        "de payment",
        "de",
        "incident",
        "Meine Zahlung ist fehlgeschlagen, aber das Geld wurde abgebucht",
    ),
    C("fr crash", "fr", "incident", "L'application plante dès que j'ouvre un rapport"),
    C("fr login", "fr", "incident", "Je n'arrive plus à me connecter, erreur 500 à chaque fois"),
    C("es outage", "es", "incident", "¡El servicio no funciona desde esta mañana para nadie!"),
    C("es payment", "es", "incident", "Me habéis cobrado dos veces la factura de este mes"),
    C("en change", "en", "change", "Please add a dark mode to the dashboard"),
    C("de change", "de", "change", "Bitte fügt einen Export als Excel-Datei hinzu"),
    C("fr change", "fr", "change", "Pourriez-vous ajouter un mode sombre au tableau de bord ?"),
    C("es change", "es", "change", "Por favor, añadid un modo oscuro al panel"),
]
RESET_ACCOUNT = "{name}@example.com"


def fragments(language: str) -> set[str]:
    """Stretches of the catalog's sentences in ``language`` long enough to recognise it."""
    english = language == "en"  # the message ids are the English sentences
    texts = list(messages("de")) if english else list(messages(language).values())
    out = set()
    for text in texts:
        for part in re.split(r"\{\w*\}|\n", text):
            part = part.strip(" .,:;!?«»“”„()")
            if len(part) >= 14:
                out.add(part)
    return out


FRAGMENTS = {language: fragments(language) for language in LANGUAGES}


def language_of(text: str) -> str | None:
    """The catalog language whose sentences ``text`` contains most of (None: no sentence)."""
    counts = {lang: sum(f in text for f in FRAGMENTS[lang]) for lang in LANGUAGES}
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] else None


class Customer(Run):
    async def open_in(self, language: str) -> None:
        response = await self.client.post("/api/chat/sessions", json={"language": language})
        body = await response.json()
        self.session, self.token = body["session_id"], body["token"]

    async def press(self, index: int) -> bool:
        """Press button ``index`` of the last bot message that has buttons, if any."""
        resp = await self.client.get(
            f"/api/chat/sessions/{self.session}/messages",
            params={"after": "0", "wait": "0"},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        offered = [m for m in (await resp.json())["messages"] if len(m["buttons"]) == 2]
        if not offered:
            return False
        payload = offered[-1]["buttons"][index]["payload"]
        await self.client.post(
            f"/api/chat/sessions/{self.session}/messages",
            json={"payload": payload},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        await asyncio.sleep(0.05)
        await self.quiet()
        return True


async def seed(fd: Any, book: ArticleBook) -> dict[int, str]:
    """The articles (and translations); returns article id -> key."""
    keys: dict[int, str] = {}
    for spec in ARTICLES:
        original = await book.create(
            None, {"title": spec["title"], "body": spec["body"], "published": True}
        )
        keys[original.id] = spec["key"]
        for language in ("de", "fr", "es"):
            if language in spec:
                title, body = spec[language]
                made = await book.create(
                    None,
                    {
                        "title": title,
                        "body": body,
                        "language": language,
                        "published": True,
                        "translation_of": original.id,
                    },
                )
                keys[made.id] = spec["key"]
    return keys


async def play(
    customer: Customer, talk: Conversation, number: int, keys: dict[int, str]
) -> dict[str, Any]:
    await customer.open_in(talk.browser or talk.language)
    await customer.say(talk.text)
    offered = re.search(r"/help/articles/(\d+)", " ".join(customer.texts))
    offered_key = keys.get(int(offered.group(1))) if offered else None
    if talk.kind == "reset" and customer.ticket_id():
        email = RESET_ACCOUNT.format(name=f"reset{number}")
        await customer.say(email)
        if await customer.mails_to(email):
            await customer.follow_link(email)
    elif offered_key is not None:
        solves = talk.kind == "howto" and offered_key == talk.expect
        await customer.press(0 if solves else 1)
    tid = customer.ticket_id()
    ticket, events = (await customer.fd.store.read(partial(_ticket, tid))) if tid else (None, [])
    handed = any(e.kind == "handoff" for e in events) or (
        ticket is not None and ticket.resolved_at is None
    )
    closed = bool(ticket and ticket.auto_fulfilled and ticket.resolved_at and not handed)
    if talk.kind == "info":
        closed = ticket is None and bool(customer.texts)
    self_served = any(e.kind == "self_service" for e in events)
    said = [language_of(t) for t in customer.texts]
    judged = [lang for lang in said if lang is not None]
    return {
        "closed": closed,
        "self_served": self_served,
        "handed": handed,
        "offered": offered_key,
        "in_language": sum(lang == talk.language for lang in judged),
        "judged": len(judged),
        "outcome": "closed by the bot" if closed else "with an agent" if handed else "open",
    }


async def _ticket(ticket_id: int, uow: Any) -> tuple[Any, list[Any]]:
    return await uow.tickets.get(ticket_id), await uow.events.for_ticket(ticket_id)


async def _add_account(address: str, fd: Any, uow: Any) -> Any:
    return await uow.accounts.add(
        address, address.split("@")[0], fd.desk.clock(), role=AccountRole.MEMBER
    )


async def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fd-outcomes-") as tmp:
        settings = load_settings(
            environ={},
            database_url=f"sqlite+aiosqlite:///{tmp}/fd.db",
            data_dir=tmp,
            chat_burst=1000,
            chat_rate_per_s=1000.0,
            sessions_per_ip_per_min=0,  # every scripted customer is 127.0.0.1
            tickets_per_ip_per_hour=0,
            mails_per_ip_per_hour=0,
            business_hours="mon-fri 09:00-17:00 +01:00",
            support_contact="support@example.com or +44 20 7946 0000",
        )
        app = create_app(settings)
        client = TestClient(TestServer(app, port=0))
        await client.start_server()
        rows = []
        try:
            fd = app[FRONTDESK]
            keys = await seed(fd, ArticleBook(fd.store, fd.desk.clock))
            for number, talk in enumerate(CONVERSATIONS):
                if talk.kind == "reset":
                    await fd.store.write(
                        partial(_add_account, RESET_ACCOUNT.format(name=f"reset{number}"), fd)
                    )
                customer = Customer(client, fd, settings.mail_dir)
                row = await play(customer, talk, number, keys)
                rows.append((talk, row))
                print(
                    f"  {talk.name:<26} {talk.kind:<15} {row['outcome']:<18} "
                    f"article={row['offered'] or '-':<9} language {row['in_language']}/{row['judged']}"
                )
            from handoff.reports import build_report
            from models.metrics import ReportPeriod

            now = fd.desk.clock()
            period = ReportPeriod(now - timedelta(hours=1), now + timedelta(minutes=1))
            report = (await fd.store.read(lambda uow: build_report(uow, period, now))).as_json()
        finally:
            await client.close()
    closable = [r for t, r in rows if t.closable]
    closed = sum(r["closed"] for r in closable)
    self_served = sum(r["self_served"] for _, r in rows)
    in_language = sum(r["in_language"] for _, r in rows)
    judged = sum(r["judged"] for _, r in rows)
    never_offered = sum(
        1 for t, r in rows if t.kind in ("howto_none", "incident", "change") and r["offered"]
    )
    print(
        f"conversations: {len(rows)} ({', '.join(f'{lang} {sum(t.language == lang for t, _ in rows)}' for lang in LANGUAGES)})"
    )
    print(
        f"automation rate: {closed}/{len(closable)} closable conversations closed by the bot = {closed / len(closable):.1%}"
    )
    print(
        f"self-service rate: {self_served}/{len(rows)} conversations = {self_served / len(rows):.1%}"
    )
    print(
        f"answered in the customer's language: {in_language}/{judged} bot messages = {in_language / judged:.1%}"
    )
    print(f"articles offered where none applies (no article, incident, change): {never_offered}")
    fcr = report.get("first_contact_resolution_rate")
    print(f"FCR (report): {fcr:.1%}" if fcr is not None else "FCR (report): -")
    print(f"({time.perf_counter() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
