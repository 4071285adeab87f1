namespace MedicalAid.Api.Infrastructure;

/// <summary>Whether Swagger UI and the OpenAPI document are served (section <c>OpenApi</c>).</summary>
public sealed class OpenApiExposureOptions
{
    public const string Section = "OpenApi";

    /// <summary>Serve them; unset means yes outside Production and no in Production, where the document maps the attack surface.</summary>
    public bool? Enabled { get; set; }
}

/// <summary>
/// Headers every answer carries: no MIME sniffing, no referrer, and no framing (clickjacking of the console and Swagger
/// UI): <c>frame-ancestors 'none'</c> is added to a page's own Content-Security-Policy, or is the whole policy when it
/// has none.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string FrameAncestors = "frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.OnStarting(() =>
        {
            var headers = response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            var policy = headers.ContentSecurityPolicy.ToString();
            if (policy.Length == 0)
            {
                headers.ContentSecurityPolicy = FrameAncestors;
            }
            else if (!policy.Contains("frame-ancestors", StringComparison.OrdinalIgnoreCase))
            {
                headers.ContentSecurityPolicy = policy.TrimEnd(' ', ';') + "; " + FrameAncestors;
            }

            return Task.CompletedTask;
        });
        return next(context);
    }
}
