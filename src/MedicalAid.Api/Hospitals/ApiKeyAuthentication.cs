using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MedicalAid.Api.Hospitals;

/// <summary>Authenticates a hospital's billing system by the key in the X-Api-Key header.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    UrlEncoder encoder,
    MedicalAidDbContext db,
    FailedApiKeyThrottle throttle)
    // The framework's per-request lines (each failure and challenge, at Information) go nowhere: a guesser could flood
    // the log with them. The throttle logs failures itself, at a bounded rate.
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, NullLoggerFactory.Instance, encoder)
{
    public const string SchemeName = "HospitalApiKey";
    public const string HeaderName = "X-Api-Key";
    private const int MaxKeyLength = 256;

    /// <summary>Marks a request refused because its address made too many failed attempts: the challenge answers 429.</summary>
    private const string ThrottledItem = "MedicalAid.ApiKeyThrottled";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return AuthenticateResult.NoResult();
        }

        // An address that has guessed wrong too often is not even looked up until its window ends.
        var address = Context.Connection.RemoteIpAddress;
        if (throttle.IsBlocked(address, out var retryAfter))
        {
            Context.Items[ThrottledItem] = retryAfter;
            return AuthenticateResult.NoResult();
        }

        var key = values[0]!;
        var hash = key.Length > MaxKeyLength ? null : Hospital.HashApiKey(key);
        var hospital = hash is null
            ? null
            : await db.Hospitals.AsNoTracking()
                .Where(candidate => candidate.ApiKeyHash == hash && candidate.IsActive)
                .Select(candidate => new { candidate.Id, candidate.Code, candidate.Level })
                .SingleOrDefaultAsync(Context.RequestAborted);
        if (hospital is null)
        {
            // NoResult, as for no key at all: the answer does not tell a guesser more than "not a credential".
            if (throttle.RecordFailure(address, out retryAfter))
            {
                Context.Items[ThrottledItem] = retryAfter;
            }

            return AuthenticateResult.NoResult();
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(HospitalCaller.IdClaim, hospital.Id.ToString(CultureInfo.InvariantCulture)),
                new Claim(HospitalCaller.CodeClaim, hospital.Code),
                new Claim(HospitalCaller.LevelClaim, hospital.Level.ToString()),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>
    /// 401 with the header only: an endpoint may challenge several schemes, and the problem+json body is written
    /// once for all of them by the status-code-pages middleware.
    /// </summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[ThrottledItem] is TimeSpan retryAfter)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(Microsoft.Net.Http.Headers.HeaderNames.WWWAuthenticate, HeaderName);
        return Task.CompletedTask;
    }
}

/// <summary>The authenticated hospital, as its claims describe it.</summary>
public sealed record HospitalCaller(int Id, string Code, HospitalLevel Level)
{
    public const string IdClaim = "medicalaid:hospital-id";
    public const string CodeClaim = "medicalaid:hospital-code";
    public const string LevelClaim = "medicalaid:hospital-level";
    public const string Policy = "hospital";

    /// <summary>The authentication scheme of the hospital policy: it picks the API key or (to refuse it) a bearer token.</summary>
    public const string Scheme = "Hospital";

    public static HospitalCaller From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        // Only the API-key scheme's identity makes a hospital: the same claim names in a token (or any other identity
        // merged into the principal) mean nothing.
        var identity = KeyIdentity(user) ?? throw new InvalidOperationException("Not a hospital caller.");
        return new HospitalCaller(
            int.Parse(identity.FindFirst(IdClaim)?.Value ?? throw new InvalidOperationException("Not a hospital caller."), CultureInfo.InvariantCulture),
            identity.FindFirst(CodeClaim)!.Value,
            Enum.Parse<HospitalLevel>(identity.FindFirst(LevelClaim)!.Value));
    }

    /// <summary>The identity the API-key scheme issued, if the principal has one.</summary>
    public static ClaimsIdentity? KeyIdentity(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identities.FirstOrDefault(identity => identity.IsAuthenticated && identity.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName);
    }
}

public static class HospitalAuthenticationSetup
{
    public static IServiceCollection AddHospitalAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddOptions<FailedApiKeyOptions>().BindConfiguration(FailedApiKeyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FailedApiKeyThrottle>();
        // One credential decides, as for staff: a bearer token if one is sent (authenticated so that it is refused with
        // 403, whatever claims it carries), else the API key. Only the API-key scheme's identity satisfies the policy.
        services.AddAuthentication()
            .AddPolicyScheme(HospitalCaller.Scheme, "Hospital (X-Api-Key)", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? JwtBearerDefaults.AuthenticationScheme : ApiKeyAuthenticationHandler.SchemeName);
        services.AddAuthorizationBuilder()
            .AddPolicy(HospitalCaller.Policy, policy => policy
                .AddAuthenticationSchemes(HospitalCaller.Scheme)
                .RequireAssertion(context => HospitalCaller.KeyIdentity(context.User)?.HasClaim(claim => claim.Type == HospitalCaller.IdClaim) == true));
        return services;
    }
}
