using System.Text;
using MedicalAid.Api.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MedicalAid.Api.Tests.Reliability;

/// <summary>The kinds of caller the fuzzer sends as: each is a list of headers (a malformed credential has several variants).</summary>
public sealed record FuzzCredential(string Name, IReadOnlyList<IReadOnlyList<(string Header, string Value)>> Variants, string? HospitalCode = null, bool IsStaff = false)
{
    public override string ToString() => Name;
}

public static class FuzzCredentials
{
    /// <summary>
    /// None, malformed (empty key, bare scheme, Basic, a non-JWT, an unsigned JWT, a JWT signed with another key, an
    /// over-long key), an unknown key, each demo hospital's key, each staff role, an expired and a foreign-issuer token.
    /// </summary>
    /// <summary>Staff tokens valid for a day, so that a long full run keeps them.</summary>
    private static DateTimeOffset LongRun => DateTimeOffset.UtcNow.AddDays(1);

    public static IReadOnlyList<FuzzCredential> All(OpenApiCatalog catalog, IReadOnlyList<FuzzCredential>? consoleSessions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var apiKey = catalog.ApiKeyHeader;
        var scheme = char.ToUpperInvariant(catalog.BearerScheme[0]) + catalog.BearerScheme[1..];
        (string, string)[] Key(string value) => [(apiKey, value)];
        (string, string)[] Bearer(string token) => [("Authorization", $"{scheme} {token}")];

        return
        [
            new("none", [[]]),
            new("malformed",
            [
                Key(""),
                Key(" "),
                Key(new string('k', 300)),
                Key("demo-h001-key\u0000"),
                [("Authorization", scheme)],
                [("Authorization", "Basic ZGVtby1oMDAxLWtleTo=")],
                Bearer("not.a.jwt"),
                Bearer(UnsignedToken()),
                Bearer(TokenSignedWithAnotherKey()),
                Bearer(StaffTokens.Create("admin", "fuzz") + "x"),
            ]),
            new("unknown-key", [Key("fuzz-unknown-hospital-key")]),
            new("hospital-H001", [Key(Keys.H001)], HospitalCode: "H001"),
            new("hospital-H002", [Key(Keys.H002)], HospitalCode: "H002"),
            new("hospital-H003", [Key(Keys.H003)], HospitalCode: "H003"),
            new("staff-auditor", [Bearer(StaffTokens.Create("auditor", "模糊审计员", expires: LongRun))], IsStaff: true),
            new("staff-operator", [Bearer(StaffTokens.Create("operator", "模糊经办员", expires: LongRun))], IsStaff: true),
            new("staff-admin", [Bearer(StaffTokens.Create("admin", "模糊管理员", expires: LongRun))], IsStaff: true),
            new("staff-approver", [Bearer(StaffTokens.Create("approver", "模糊审批人", expires: LongRun))], IsStaff: true),
            new("staff-township-operator", [Bearer(StaffTokens.Create("operator", "模糊街道经办", expires: LongRun, unit: "140109001"))], IsStaff: true),
            new("staff-district-admin", [Bearer(StaffTokens.Create("admin,auditor", "模糊区管理员", expires: LongRun, unit: "140109"))], IsStaff: true),
            new("staff-unknown-unit", [Bearer(StaffTokens.Create("admin", "模糊无单位", expires: LongRun, unit: "999999"))], IsStaff: true),
            .. consoleSessions ?? [],
            new("expired-admin", [Bearer(StaffTokens.Create("admin", "过期", expires: DateTimeOffset.UtcNow.AddMinutes(-10)))]),
            new("foreign-issuer-admin", [Bearer(StaffTokens.Create("admin", "外人", issuer: "someone-else"))]),
            new("unknown-role", [Bearer(StaffTokens.Create("superuser", "无名"))]),
            // A token the staff issuer signed, carrying the hospital claim names: it must not act as H001 (nor as staff).
            new("bearer-with-hospital-claims", [Bearer(StaffTokens.WithHospitalClaims("H001", expires: LongRun))]),
        ];
    }

    /// <summary>
    /// A console session (the sign-in cookie) of each demo account, signed in through the console's own forms; the
    /// demo administrator enrols an authenticator first, as it must outside Development.
    /// </summary>
    public static async Task<IReadOnlyList<FuzzCredential>> ConsoleSessionsAsync(MedicalAidApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var sessions = new List<FuzzCredential>();
        foreach (var (username, _, _, _) in Api.Demo.DemoSeeder.Staff)
        {
            using var browser = new ConsoleBrowser(app);
            var signIn = await browser.SignInAsync(username, Api.Demo.DemoSeeder.StaffPassword);
            if (signIn.Headers.Location?.OriginalString == "/console/account/two-factor")
            {
                signIn.Dispose();
                var page = await browser.GetPageAsync("/console/account/two-factor");
                var key = System.Text.RegularExpressions.Regex.Match(page, "data-key>(?<key>[a-z2-7 ]+)<").Groups["key"].Value;
                signIn = await browser.SubmitAsync("/console/account/two-factor", new Dictionary<string, string> { ["code"] = Totp.Code(key, DateTimeOffset.UtcNow) });
            }

            using var session = signIn;
            var cookie = session.Headers.GetValues("Set-Cookie")
                .Select(header => header.Split(';')[0])
                .Single(pair => pair.StartsWith(Api.Staff.StaffSignIn.CookieName + "=", StringComparison.Ordinal));
            sessions.Add(new FuzzCredential($"console-{username}", [[("Cookie", cookie)]], IsStaff: true));
        }

        return sessions;
    }

    private static string UnsignedToken()
    {
        static string Part(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        return $"{Part("""{"alg":"none","typ":"JWT"}""")}.{Part($$"""{"iss":"{{StaffTokens.Issuer}}","aud":"{{StaffTokens.Audience}}","role":"admin","name":"none","exp":4102444800}""")}.";
    }

    private static string TokenSignedWithAnotherKey() =>
        new JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = StaffTokens.Issuer,
            Audience = StaffTokens.Audience,
            Claims = new Dictionary<string, object> { ["role"] = "admin", ["name"] = "forger" },
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray()), SecurityAlgorithms.HmacSha256),
        });
}
