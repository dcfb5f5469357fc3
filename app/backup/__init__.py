"""Online backups of the database and restoring them (`flask --app app backup ...`)."""
