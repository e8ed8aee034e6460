"""SessionStore (being written)."""


class SessionStore:
    def __init__(self, settings):
        self.settings = settings

    async def start(self):
        pass

    async def stop(self):
        pass
