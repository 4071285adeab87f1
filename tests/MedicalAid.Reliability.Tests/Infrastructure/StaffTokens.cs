using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MedicalAid.Reliability.Tests.Infrastructure;

/// <summary>
/// Signs staff tokens as an OIDC issuer would, with a symmetric key that the API processes are configured to trust
/// through Authentication:Schemes:Bearer (issuer, audience, signing key), exactly as an operator would configure them.
/// </summary>
public static class StaffTokens
{
    public const string Issuer = "medicalaid-reliability-tests";
    public const string Audience = "medicalaid-api";

    private static readonly byte[] SigningKey = Enumerable.Range(1, 32).Select(i => (byte)(i * 11)).ToArray();

    public static string SigningKeyBase64 { get; } = Convert.ToBase64String(SigningKey);

    public static string Create(string role, string name) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim("sub", name), new Claim("name", name), new Claim("role", role)]),
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = DateTime.UtcNow.AddHours(4),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(SigningKey), SecurityAlgorithms.HmacSha256),
        });

    /// <summary>The API settings that make it trust these tokens.</summary>
    public static IReadOnlyDictionary<string, string> ApiSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Authentication:Schemes:Bearer:ValidIssuer"] = Issuer,
        ["Authentication:Schemes:Bearer:ValidAudiences:0"] = Audience,
        ["Authentication:Schemes:Bearer:SigningKeys:0:Issuer"] = Issuer,
        ["Authentication:Schemes:Bearer:SigningKeys:0:Value"] = SigningKeyBase64,
        ["Authentication:Schemes:Bearer:SigningKeys:0:Length"] = "32",
    };
}
