"""The program workspace: settings, database, suppliers, campaigns, ingest, decisions and the audit trail."""
