using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedicalAid.Api.Hospitals;

/// <summary>Authenticates a hospital's billing system by the key in the X-Api-Key header.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    MedicalAidDbContext db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "HospitalApiKey";
    public const string HeaderName = "X-Api-Key";
    private const int MaxKeyLength = 256;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return AuthenticateResult.NoResult();
        }

        var key = values[0]!;
        if (key.Length > MaxKeyLength)
        {
            return AuthenticateResult.Fail("API key too long.");
        }

        var hash = Hospital.HashApiKey(key);
        var hospital = await db.Hospitals.AsNoTracking()
            .Where(candidate => candidate.ApiKeyHash == hash && candidate.IsActive)
            .Select(candidate => new { candidate.Id, candidate.Code, candidate.Level })
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (hospital is null)
        {
            return AuthenticateResult.Fail("Unknown API key.");
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

    public static HospitalCaller From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new HospitalCaller(
            int.Parse(user.FindFirstValue(IdClaim) ?? throw new InvalidOperationException("Not a hospital caller."), CultureInfo.InvariantCulture),
            user.FindFirstValue(CodeClaim)!,
            Enum.Parse<HospitalLevel>(user.FindFirstValue(LevelClaim)!));
    }
}

public static class HospitalAuthenticationSetup
{
    public static IServiceCollection AddHospitalAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(HospitalCaller.Policy, policy => policy
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName, JwtBearerDefaults.AuthenticationScheme)
                .RequireClaim(HospitalCaller.IdClaim));
        return services;
    }
}
