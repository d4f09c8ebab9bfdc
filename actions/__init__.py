"""Custom actions of the Rasa assistant. They call api/ over HTTP and never touch its database."""
