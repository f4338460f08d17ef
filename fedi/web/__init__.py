"""Server-rendered pages and the routes that serve local actors and their collections."""
