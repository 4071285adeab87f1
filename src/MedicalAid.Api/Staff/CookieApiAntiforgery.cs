using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Contracts;
using Microsoft.AspNetCore.Antiforgery;

namespace MedicalAid.Api.Staff;

/// <summary>
/// A change to the API made with the console's cookie (not a bearer token or a hospital key) must carry the
/// antiforgery token of a console page in the <c>RequestVerificationToken</c> header. SameSite=Strict already keeps
/// other sites from sending the cookie; this also refuses a request forged from another part of the same site. Reads
/// (GET, HEAD) need no token: the console's downloads are plain links.
/// </summary>
public sealed class CookieApiAntiforgery(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IAntiforgery antiforgery, IProblemDetailsService problems)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(antiforgery);
        ArgumentNullException.ThrowIfNull(problems);
        var request = context.Request;
        var cookieCall = request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
            && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)
            && request.Headers.Authorization.Count == 0
            && !request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName)
            && request.Cookies.ContainsKey(StaffSignIn.CookieName);
        if (cookieCall && !await HasValidTokenAsync(context, antiforgery))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = Problems.Create(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden,
                    "A change made with the console's sign-in needs the page's antiforgery token.",
                    "Send it in the RequestVerificationToken header, or call the API with a bearer token."),
            });
            return;
        }

        await next(context);
    }

    /// <summary>
    /// The token must be in the header: without one the request is refused before anything reads its body, and a body
    /// that claims to be a form but cannot be read as one is a refusal too, not a failure of the server.
    /// </summary>
    private static async Task<bool> HasValidTokenAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!context.Request.Headers.ContainsKey(HeaderName))
        {
            return false;
        }

        try
        {
            return await antiforgery.IsRequestValidAsync(context);
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or BadHttpRequestException)
        {
            return false;
        }
    }

    public const string HeaderName = "RequestVerificationToken";
}
