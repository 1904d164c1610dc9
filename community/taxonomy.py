"""The curated expertise taxonomy, loaded by a data migration and editable in the admin."""

EXPERTISE_TAXONOMY = [
    (
        "e-akte-dms",
        "E-Akte/DMS",
        "Elektronische Akte und Dokumentenmanagement: Einführung, Aktenplan, Scannen, Migration, Schulung.",
    ),
    (
        "ozg-onlinedienste",
        "OZG-Onlinedienste",
        "Onlinedienste nach dem Onlinezugangsgesetz: Anbindung, EfA-Leistungen, Servicekonto, Bürgerportal.",
    ),
    (
        "antragsmanagement",
        "Antragsmanagement",
        "Anträge digital annehmen, prüfen und bescheiden: Formulare, Fachverfahren, Workflows.",
    ),
    (
        "prozessmanagement",
        "Prozessmanagement",
        "Prozesse erheben, modellieren (z. B. BPMN) und vor der Digitalisierung verbessern.",
    ),
    (
        "change-management",
        "Change-Management",
        "Veränderung begleiten: Beteiligung, Widerstände, Kommunikation im Team und mit der Leitung.",
    ),
    (
        "kommunikation-wissen",
        "Kommunikation und Wissensweitergabe",
        "Wissen teilen: Intranet, Wikis, Newsletter, Lotsensprechstunden.",
    ),
    (
        "schulung-e-learning",
        "Schulung/E-Learning",
        "Kolleginnen und Kollegen schulen: Präsenz, Webinare, Lernvideos, E-Learning-Plattformen.",
    ),
    (
        "datenschutz",
        "Datenschutz",
        "DSGVO in der Praxis: Verzeichnis der Verarbeitungstätigkeiten, DSFA, Auftragsverarbeitung.",
    ),
    (
        "it-sicherheit",
        "IT-Sicherheit",
        "Informationssicherheit: BSI-Grundschutz, Awareness, sichere Konfiguration, Notfallplanung.",
    ),
    (
        "collaboration-tools",
        "Collaboration-Tools",
        "Zusammenarbeit digital: Videokonferenzen, gemeinsame Dokumente, Messenger, Aufgabenlisten.",
    ),
    (
        "digitale-dienstplanung",
        "Digitale Dienstplanung",
        "Dienst- und Schichtpläne digital: Bauhof, Feuerwehr, Kitas, Bürgerbüro.",
    ),
    (
        "mobiles-arbeiten",
        "Mobiles Arbeiten/Tablets im Außendienst",
        "Mobile Geräte und mobiles Arbeiten: Tablets für Grünflächen, Ordnungsamt, Bauaufsicht.",
    ),
    (
        "open-data",
        "Open Data",
        "Offene Daten bereitstellen: Datenportale, Lizenzen, Datenqualität.",
    ),
    ("smart-city", "Smart City", "Sensorik, Datenplattformen und digitale Stadtentwicklung."),
    (
        "ki-verwaltung",
        "KI in der Verwaltung",
        "Künstliche Intelligenz: Assistenzsysteme, Textgenerierung, Chancen, Risiken, KI-Verordnung.",
    ),
]
