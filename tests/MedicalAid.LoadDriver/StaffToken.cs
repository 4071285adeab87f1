using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MedicalAid.LoadDriver;

/// <summary>
/// A signing key of the benchmark's own, given to the API it starts through configuration
/// (Authentication:Schemes:Bearer, the same section `dotnet user-jwts` writes), and HS256 staff tokens signed with it.
/// </summary>
internal sealed class StaffToken
{
    public const string Issuer = "medicalaid-benchmark";

    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);

    /// <summary>Configuration for the API process, as environment variables.</summary>
    public IReadOnlyDictionary<string, string> ApiEnvironment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Authentication__Schemes__Bearer__ValidIssuer"] = Issuer,
        ["Authentication__Schemes__Bearer__ValidAudiences__0"] = Issuer,
        ["Authentication__Schemes__Bearer__SigningKeys__0__Issuer"] = Issuer,
        ["Authentication__Schemes__Bearer__SigningKeys__0__Value"] = Convert.ToBase64String(key),
    };

    public string Create(string role, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = "HS256", ["typ"] = "JWT" }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = Issuer,
            ["sub"] = "benchmark",
            ["name"] = "benchmark",
            ["role"] = new[] { role },
            ["nbf"] = now - 60,
            ["iat"] = now,
            ["exp"] = now + (long)lifetime.TotalSeconds,
        }));
        var signature = Encode(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(header + "." + payload)));
        return header + "." + payload + "." + signature;
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
