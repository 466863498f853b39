"""Stand-ins for the providers' HTTP APIs, for the real twilio and python-telegram-bot clients.

Each fake is a small HTTP server on 127.0.0.1 (a free port) that records every request and
answers as the provider documents, or with an error the test asks for.
"""
