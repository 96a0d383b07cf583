"""The bundled offline demo source: its posts, the script that builds them, and the HTTP site serving them."""
