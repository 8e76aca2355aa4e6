"""The demo calls' own texts in the portal's seven languages.

A call's title, description and reworded questions are data an officer types, so the demo
stores them per language as an officer would (CallText, CallQuestion.prompts) rather than
through the catalogs. A demo question that keeps the question bank's wording stores none:
the bank says it in the reader's language. tests/test_content_languages.py checks every
demo call in every language.
"""

from __future__ import annotations

LANGUAGES = ("en", "es", "fr", "pt", "ru", "ar", "fa")

# call key -> language -> (title, description)
CALL_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "protection": {
        "en": ("Protection and resilience 2027",
               "Support for groups and defenders to stay safe and keep working."),
        "es": ("Protección y resiliencia 2027",
               "Apoyo para que grupos y defensoras sigan seguros y activos."),
        "fr": ("Protection et résilience 2027",
               "Un soutien pour que les groupes et les défenseur·es restent en sécurité et "
               "poursuivent leur travail."),
        "pt": ("Proteção e resiliência 2027",
               "Apoio para que grupos e defensoras permaneçam em segurança e continuem "
               "trabalhando."),
        "ru": ("Защита и устойчивость 2027",
               "Поддержка групп и правозащитников, чтобы они оставались в безопасности и "
               "продолжали работу."),
        "ar": ("الحماية والصمود 2027",
               "دعم للمجموعات والمدافعين والمدافعات ليبقوا في أمان ويواصلوا عملهم."),
        "fa": ("حفاظت و تاب‌آوری ۲۰۲۷",
               "حمایت از گروه‌ها و مدافعان تا در امان بمانند و به کارشان ادامه دهند."),
    },
    "core": {
        "en": ("Movement core support 2027-2029",
               "Three years of unrestricted support for movements, registered or not."),
        "es": ("Apoyo institucional a movimientos 2027-2029",
               "Tres años de apoyo sin restricciones para movimientos, registrados o no."),
        "fr": ("Soutien institutionnel aux mouvements 2027-2029",
               "Trois ans de soutien non affecté aux mouvements, enregistrés ou non."),
        "pt": ("Apoio institucional a movimentos 2027-2029",
               "Três anos de apoio sem restrições para movimentos, registrados ou não."),
        "ru": ("Институциональная поддержка движений 2027–2029",
               "Три года нецелевой поддержки для движений, зарегистрированных или нет."),
        "ar": ("الدعم الأساسي للحركات 2027-2029",
               "ثلاث سنوات من الدعم غير المقيّد للحركات، مسجّلة كانت أم لا."),
        "fa": ("حمایت پایه از جنبش‌ها ۲۰۲۷-۲۰۲۹",
               "سه سال حمایت بدون قید و شرط از جنبش‌ها، ثبت‌شده یا ثبت‌نشده."),
    },
    "convening": {
        "en": ("Regional protection networks: convening grants",
               "Bring defenders together to plan collective protection. Rolling: apply any "
               "time."),
        "es": ("Redes regionales de protección: subvenciones para encuentros",
               "Reunir a defensoras y defensores para planificar la protección colectiva. "
               "Sin plazo: postule en cualquier momento."),
        "fr": ("Réseaux régionaux de protection : subventions pour des rencontres",
               "Réunir des défenseur·es pour planifier une protection collective. Sans date "
               "limite : candidatez à tout moment."),
        "pt": ("Redes regionais de proteção: encontros",
               "Para reunir defensoras e planejar proteção coletiva. Sem prazo: candidate-se "
               "a qualquer momento."),
        "ru": ("Региональные сети защиты: гранты на встречи",
               "Соберите правозащитников, чтобы спланировать коллективную защиту. Без срока: "
               "подавайте заявку в любое время."),
        "ar": ("شبكات الحماية الإقليمية: منح اللقاءات",
               "اجمعوا المدافعين والمدافعات للتخطيط للحماية الجماعية. دون موعد نهائي: "
               "قدّموا طلبكم في أي وقت."),
        "fa": ("شبکه‌های منطقه‌ای حفاظت: کمک‌هزینه‌ی گردهمایی",
               "مدافعان را گرد هم آورید تا حفاظت جمعی را برنامه‌ریزی کنید. بدون مهلت: هر "
               "زمان درخواست دهید."),
    },
    "draft": {
        "en": ("Digital security clinics (draft)",
               "Hands-on help to secure phones, accounts and files."),
        "es": ("Clínicas de seguridad digital (borrador)",
               "Ayuda práctica para proteger teléfonos, cuentas y archivos."),
        "fr": ("Cliniques de sécurité numérique (brouillon)",
               "Une aide pratique pour sécuriser téléphones, comptes et fichiers."),
        "pt": ("Clínicas de segurança digital (rascunho)",
               "Ajuda prática para proteger celulares, contas e arquivos."),
        "ru": ("Консультации по цифровой безопасности (черновик)",
               "Практическая помощь в защите телефонов, аккаунтов и файлов."),
        "ar": ("عيادات الأمن الرقمي (مسودة)",
               "مساعدة عملية لتأمين الهواتف والحسابات والملفات."),
        "fa": ("کارگاه‌های امنیت دیجیتال (پیش‌نویس)",
               "کمک عملی برای ایمن‌سازی تلفن‌ها، حساب‌ها و فایل‌ها."),
    },
    "rapid": {
        "en": ("Emergency protection grants",
               "For defenders facing an immediate threat. Any language."),
        "es": ("Subvenciones de protección de emergencia",
               "Para defensoras y defensores ante una amenaza inmediata. En cualquier "
               "idioma."),
        "fr": ("Subventions de protection d'urgence",
               "Pour les défenseur·es face à une menace immédiate. Dans n'importe quelle "
               "langue."),
        "pt": ("Apoios de proteção emergencial",
               "Para defensoras e defensores diante de uma ameaça imediata. Em qualquer "
               "idioma."),
        "ru": ("Экстренные гранты на защиту",
               "Для правозащитников, которым угрожает непосредственная опасность. На любом "
               "языке."),
        "ar": ("منح الحماية الطارئة",
               "للمدافعين والمدافعات الذين يواجهون تهديداً وشيكاً. بأي لغة."),
        "fa": ("کمک‌هزینه‌های حفاظت اضطراری",
               "برای مدافعانی که با تهدیدی فوری روبه‌رو هستند. به هر زبانی."),
    },
}

# The demo's reworded questions: English wording -> language -> wording.
REWORDED: dict[str, dict[str, str]] = {
    "What is your movement's purpose?": {
        "es": "¿Cuál es el propósito de su movimiento?",
        "fr": "Quelle est la raison d'être de votre mouvement ?",
        "pt": "Qual é o propósito do seu movimento?",
        "ru": "В чём цель вашего движения?",
        "ar": "ما هو هدف حركتكم؟",
        "fa": "هدف جنبش شما چیست؟",
    },
    "What would three years of flexible support let you do?": {
        "es": "¿Qué les permitirían hacer tres años de apoyo flexible?",
        "fr": "Que vous permettraient de faire trois ans de soutien flexible ?",
        "pt": "O que três anos de apoio flexível permitiriam que vocês fizessem?",
        "ru": "Что позволят вам сделать три года гибкой поддержки?",
        "ar": "ما الذي ستمكّنكم ثلاث سنوات من الدعم المرن من فعله؟",
        "fa": "سه سال حمایت انعطاف‌پذیر چه کارهایی را برایتان ممکن می‌کند؟",
    },
    "Who do you work with?": {
        "es": "¿Con quiénes trabajan?",
        "fr": "Avec qui travaillez-vous ?",
        "pt": "Com quem vocês trabalham?",
        "ru": "С кем вы работаете?",
        "ar": "مع من تعملون؟",
        "fa": "با چه کسانی کار می‌کنید؟",
    },
    "Who would meet, where, and why now?": {
        "es": "¿Quiénes se reunirían, dónde y por qué ahora?",
        "fr": "Qui se réunirait, où, et pourquoi maintenant ?",
        "pt": "Quem se reuniria, onde e por que agora?",
        "ru": "Кто встретится, где и почему именно сейчас?",
        "ar": "من سيلتقي، وأين، ولماذا الآن؟",
        "fa": "چه کسانی، کجا و چرا اکنون گرد هم می‌آیند؟",
    },
    "What risks does meeting bring, and how will you manage them?": {
        "es": "¿Qué riesgos conlleva reunirse y cómo los gestionarán?",
        "fr": "Quels risques la rencontre comporte-t-elle, et comment les gérerez-vous ?",
        "pt": "Que riscos o encontro traz e como vocês vão lidar com eles?",
        "ru": "Какие риски несёт встреча и как вы будете с ними справляться?",
        "ar": "ما المخاطر التي يجلبها اللقاء، وكيف ستتعاملون معها؟",
        "fa": "این گردهمایی چه خطرهایی دارد و چگونه آن‌ها را مدیریت خواهید کرد؟",
    },
}


def prompts(english: str) -> dict[str, str]:
    """A reworded demo question in every language."""
    return {"en": english, **REWORDED[english]}
