"""Services: typed functions that change data. They take the partner first, flush, never commit."""
