"""User-facing errors: one paragraph in Chinese naming the file/line/URL and what to do."""


class UserError(Exception):
    """An error caused by input the user can fix. The CLI prints it and exits non-zero."""

    exit_code = 2

    def __init__(self, message: str, *, path=None, line=None, hint: str | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}"
            if self.line:
                where += f" 第 {self.line} 行"
            where += "："
        text = f"{where}{self.message}"
        if self.hint:
            text += f" {self.hint}"
        return text


class ConfigError(UserError):
    pass


class MappingError(UserError):
    pass
