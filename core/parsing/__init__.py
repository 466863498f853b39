"""Reading one parent message into a structured absence report."""
