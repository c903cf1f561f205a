"""CSV import of leads: reading the file (csvfile), mapping its columns (mapping), turning rows into leads
(rows), the batched, undoable import itself (service, writer), its records (models: LeadImport and its rows and
errors, app label `leads`), the upload and options forms (forms) and the pages (views). See
`leads.importing.service` for the flow.

Nothing is imported here: `leads.models` loads `leads.importing.models` while the app registry is still filling,
before the service (which reads the Lead model's fields) may load."""
