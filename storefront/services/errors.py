class InvalidInput(ValueError):
    """Bad user input: the message is shown to the user and nothing has changed."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def field_errors(self) -> list[tuple[str | None, str]]:
        """Each bad field with its message (None: the form as a whole)."""
        return [(self.field, self.message)]
