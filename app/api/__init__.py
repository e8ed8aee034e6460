"""Web routers: rest (/api/v1), stream (/ws), pages (HTML). Thin: the work is elsewhere."""
