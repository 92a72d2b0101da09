from throughcare.audit.recorder import flush


class AuditMiddleware:
    """Writes the one audit entry for a request whose reads were not already written by an action."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        ctx = getattr(request, "throughcare", None)
        if ctx is not None and ctx.pending:
            if getattr(ctx, "actor", None) is None:
                ctx.actor = getattr(request, "user", None)
            flush(ctx)
        return response
