using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MedicalAid.Api.Tests.Infrastructure;

/// <summary>Signs staff tokens the way an OIDC issuer (or `dotnet user-jwts`) would, with a key the test app trusts.</summary>
public static class StaffTokens
{
    public const string Issuer = "medicalaid-tests";
    public const string Audience = "medicalaid-api";

    private static readonly byte[] SigningKey = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();

    public static string SigningKeyBase64 { get; } = Convert.ToBase64String(SigningKey);

    /// <summary>
    /// A token the trusted issuer signed that claims to be a hospital: the API-key scheme's claim names (the demo
    /// hospital <paramref name="hospitalCode"/>, id 1) and no role.
    /// </summary>
    public static string WithHospitalClaims(string hospitalCode, DateTimeOffset? expires = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity(
            [
                new Claim("sub", "forged-hospital"),
                new Claim("medicalaid:hospital-id", "1"),
                new Claim("medicalaid:hospital-code", hospitalCode),
                new Claim("medicalaid:hospital-level", "Secondary"),
            ]),
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = (expires ?? DateTimeOffset.UtcNow.AddHours(1)).UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(SigningKey), SecurityAlgorithms.HmacSha256),
        });

    /// <summary>A token with one or more roles (comma-separated) and, when given, a unit claim.</summary>
    public static string Create(string role, string name, string? issuer = null, DateTimeOffset? expires = null, string? unit = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity(
                [
                    new Claim("sub", name), new Claim("name", name),
                    .. role.Split(',').Select(single => new Claim("role", single)),
                    .. unit is null ? Array.Empty<Claim>() : [new Claim("unit", unit)],
                ]),
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = (expires ?? DateTimeOffset.UtcNow.AddHours(1)).UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(SigningKey), SecurityAlgorithms.HmacSha256),
        });
}
