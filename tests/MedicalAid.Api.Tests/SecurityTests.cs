using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using MedicalAid.Api.Clearing;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Client;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using MedicalAid.MockHospital.Hospitals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using HospitalLevel = MedicalAid.Contracts.Admin.HospitalLevel;

namespace MedicalAid.Api.Tests;

public sealed class SqliteSecurityTests(SqliteFixture fixture) : SecurityTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresSecurityTests(PostgresFixture fixture) : SecurityTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>
/// What an adversarial caller with a hospital key or a low-privilege staff token tried, on each real database: one
/// scheme per audience, one Idempotency-Key, text that is what it looks like, errors in the API's words, tokens
/// judged strictly, security headers, and callback secrets that are never shown twice.
/// </summary>
public abstract class SecurityTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("GET", "/api/v1/eligibility/140109196208150026")]
    [InlineData("GET", "/api/v1/settlements/0193a6b2-7c1e-7d8a-9f00-3c2b1a0e9d11")]
    [InlineData("GET", "/api/v1/settlements?visitNumber=ZY1")]
    [InlineData("GET", "/api/v1/reconciliation/daily?date=2026-11-28")]
    [InlineData("POST", "/api/v1/clearing-statements/0193a6b2-7c1e-7d8a-9f00-3c2b1a0e9d11/acknowledgement")]
    public async Task BearerTokenCarryingHospitalClaims_IsNotAHospital(string method, string path)
    {
        using var forged = App.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StaffTokens.WithHospitalClaims("H001"));
        using var both = App.Hospital(Keys.H002);
        both.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StaffTokens.WithHospitalClaims("H001"));

        using var alone = await forged.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Cancel);
        using var withKey = await both.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Cancel);

        await SettlementTests.AssertProblemAsync(alone, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await SettlementTests.AssertProblemAsync(withKey, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
    }

    [Fact]
    public async Task TwoIdempotencyKeyHeaders_Are400NamingTheHeader_AndSettleNothing()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        var request = Requests.Inpatient(patient, 2_000.00m, 1_800.00m, 1_000.00m);
        using var hospital = App.Hospital();
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/settlements") { Content = JsonContent.Create(request) };
        message.Headers.Add("Idempotency-Key", "first-key");
        message.Headers.Add("Idempotency-Key", "second-key");
        var before = await App.CountAsync<Api.Settlements.Settlement>();

        using var response = await hospital.SendAsync(message, Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(before, await App.CountAsync<Api.Settlements.Settlement>());
    }

    [Theory]
    [InlineData("李\u200b秀英")] // zero-width space
    [InlineData("\u202E英秀李")] // right-to-left override
    [InlineData("\uFEFF李秀英")] // byte-order mark
    [InlineData("李秀英\u2028")] // line separator
    [InlineData("李\uE000秀英")] // private use
    [InlineData("李\u0378秀英")] // unassigned
    public async Task InvisibleOrControlCharacters_InANameOrFreeText_AreRefusedNamingTheField(string text)
    {
        using var operatorClient = App.Staff("operator");
        using var admin = App.Staff("admin");
        using var hospital = App.Hospital();
        var person = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        var beneficiaries = await App.CountAsync<Api.Beneficiaries.Beneficiary>();

        using var registered = await operatorClient.PostAsJsonAsync("/api/v1/admin/beneficiaries", new CreateBeneficiaryRequest
        {
            IdNumber = BeneficiaryTestData.NextIdNumber(), Name = text, Category = DemoPolicy.MinimumLiving, EffectiveFrom = new DateOnly(2024, 1, 1),
        }, Cancel);
        using var settled = await hospital.SettleAsync(Requests.Inpatient(person with { Name = text }, 2_000.00m, 1_800.00m, 1_000.00m));
        using var hospitalNamed = await admin.PostAsJsonAsync("/api/v1/admin/hospitals", new RegisterHospitalRequest
        {
            Code = $"TX-{Guid.NewGuid():N}"[..12], Name = text, Level = HospitalLevel.Primary,
        }, Cancel);
        using var reversal = await hospital.ReverseAsync(Guid.NewGuid(), reason: text);

        Assert.True((await SettlementTests.AssertProblemAsync(registered, HttpStatusCode.BadRequest, ProblemTypes.Validation)).GetProperty("errors").TryGetProperty("name", out _));
        Assert.True((await SettlementTests.AssertProblemAsync(settled, HttpStatusCode.BadRequest, ProblemTypes.Validation)).GetProperty("errors").TryGetProperty("patient.name", out _));
        Assert.True((await SettlementTests.AssertProblemAsync(hospitalNamed, HttpStatusCode.BadRequest, ProblemTypes.Validation)).GetProperty("errors").TryGetProperty("name", out _));
        Assert.True((await SettlementTests.AssertProblemAsync(reversal, HttpStatusCode.BadRequest, ProblemTypes.Validation)).GetProperty("errors").TryGetProperty("reason", out _));
        Assert.Equal(beneficiaries, await App.CountAsync<Api.Beneficiaries.Beneficiary>());
    }

    [Fact]
    public async Task ADecomposedName_IsStoredInNfc_AndMatchesTheComposedOneAtSettlement()
    {
        using var operatorClient = App.Staff("operator");
        var idNumber = BeneficiaryTestData.NextIdNumber();
        using var registered = await operatorClient.PostAsJsonAsync("/api/v1/admin/beneficiaries", new CreateBeneficiaryRequest
        {
            IdNumber = idNumber, Name = "Jose\u0301", Category = DemoPolicy.MinimumLiving, EffectiveFrom = new DateOnly(2024, 1, 1),
        }, Cancel);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);

        var stored = await App.WithDbAsync(db => db.Beneficiaries.Where(beneficiary => beneficiary.IdNumber == idNumber).Select(beneficiary => beneficiary.Name).SingleAsync(Cancel));
        using var hospital = App.Hospital();
        using var settled = await hospital.SettleAsync(Requests.Inpatient(new PatientIdentity { IdNumber = idNumber, Name = "Jos\u00e9" }, 2_000.00m, 1_800.00m, 1_000.00m));

        Assert.Equal("Jos\u00e9", stored);
        Assert.Equal(HttpStatusCode.Created, settled.StatusCode);
    }

    [Fact]
    public async Task BindingAndBodyErrors_NameTheField_InTheApisWords()
    {
        using var auditor = App.Staff("auditor");
        using var hospital = App.Hospital();

        using var badNumber = await auditor.GetAsync("/api/v1/admin/beneficiaries?pageSize=abc", Cancel);
        using var noBody = await hospital.PostAsync("/api/v1/settlements/preview", null, Cancel);
        using var emptyObject = await hospital.PostAsync("/api/v1/settlements/preview", new StringContent("{}", Encoding.UTF8, "application/json"), Cancel);
        using var plainText = await hospital.PostAsync("/api/v1/settlements/preview", new StringContent("{}", Encoding.UTF8, "text/plain"), Cancel);

        var number = await SettlementTests.AssertProblemAsync(badNumber, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(number.GetProperty("errors").TryGetProperty("pageSize", out _), number.ToString());
        var missing = await SettlementTests.AssertProblemAsync(noBody, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(missing.GetProperty("errors").TryGetProperty("body", out _), missing.ToString());
        var empty = await SettlementTests.AssertProblemAsync(emptyObject, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(empty.GetProperty("errors").TryGetProperty("visitNumber", out _), empty.ToString());
        await SettlementTests.AssertProblemAsync(plainText, HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType);
        foreach (var problem in new[] { number, missing, empty })
        {
            var text = problem.ToString();
            Assert.DoesNotContain("Nullable", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Implicit body", text, StringComparison.Ordinal);
            Assert.DoesNotContain("parameter \"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("MedicalAid.Contracts", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ABodyThatArrivesTooSlowly_Is408WithItsOwnType_AndNotKestrelsMessage()
    {
        await using var scope = App.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Response.Body = new MemoryStream();
        var handler = ActivatorUtilities.CreateInstance<ProblemExceptionHandler>(scope.ServiceProvider);
        var slow = new BadHttpRequestException(
            "Reading the request body timed out due to data arriving too slowly. See MinRequestBodyDataRate.", StatusCodes.Status408RequestTimeout);

        Assert.True(await handler.TryHandleAsync(context, slow, Cancel));

        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync(Cancel);
        Assert.Equal(StatusCodes.Status408RequestTimeout, context.Response.StatusCode);
        Assert.Contains(ProblemTypes.RequestTimeout, body, StringComparison.Ordinal);
        Assert.DoesNotContain("MinRequestBodyDataRate", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenExpiredBeyondThirtySecondsOfSkew_IsRefused_AndTheChallengeDoesNotSayWhy()
    {
        using var staff = App.CreateClient();
        staff.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", StaffTokens.Create("auditor", "过期审计员", expires: DateTimeOffset.UtcNow.AddSeconds(-45)));

        using var response = await staff.GetAsync("/api/v1/admin/hospitals", Cancel);

        await SettlementTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        var challenge = string.Join(", ", response.Headers.WwwAuthenticate.Select(value => value.ToString()));
        Assert.Equal("Bearer", challenge);
    }

    [Fact]
    public async Task EveryAnswer_CarriesTheSecurityHeaders_AndHttpsAnswersHstsOutsideDevelopment()
    {
        using var plain = App.CreateClient();
        using var https = App.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://medicalaid.example") });

        using var health = await plain.GetAsync("/healthz", Cancel);
        using var swagger = await plain.GetAsync("/swagger/index.html", Cancel);
        using var refused = await plain.GetAsync("/api/v1/admin/hospitals", Cancel);
        using var secure = await https.GetAsync("/healthz", Cancel);

        foreach (var response in new[] { health, swagger, refused, secure })
        {
            Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
            Assert.Equal(["no-referrer"], response.Headers.GetValues("Referrer-Policy"));
            Assert.Contains("frame-ancestors 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        }

        Assert.True(secure.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task CallbackSecret_IsShownOnceAtRegistrationAndRotation_StoredEncrypted_AndNeverListed()
    {
        using var admin = App.Staff("admin");
        var code = $"SEC-{Guid.NewGuid():N}"[..12].ToUpperInvariant();

        using var registered = await admin.PostAsJsonAsync("/api/v1/admin/hospitals",
            new RegisterHospitalRequest { Code = code, Name = "密钥医院", Level = HospitalLevel.Primary, CallbackBaseUrl = "https://his.example/cb" }, Cancel);
        var credentials = (await registered.Content.ReadFromJsonAsync<HospitalCredentials>(Cancel))!;
        using var rotated = await admin.PostAsync($"/api/v1/admin/hospitals/{code}/callback-secret", null, Cancel);
        var rotation = (await rotated.Content.ReadFromJsonAsync<HospitalCallbackSecret>(Cancel))!;
        var list = await admin.GetStringAsync("/api/v1/admin/hospitals", Cancel);
        var one = await admin.GetStringAsync($"/api/v1/admin/hospitals/{code}", Cancel);

        Assert.StartsWith("mcs_", credentials.CallbackSecret, StringComparison.Ordinal);
        Assert.NotEqual(credentials.CallbackSecret, rotation.CallbackSecret);
        Assert.True(rotation.Hospital.HasCallbackSecret);
        foreach (var secret in new[] { credentials.CallbackSecret, rotation.CallbackSecret })
        {
            Assert.DoesNotContain(secret, list, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, one, StringComparison.Ordinal);
        }

        var stored = await App.WithDbAsync(db => db.Hospitals.Where(hospital => hospital.Code == code).Select(hospital => hospital.CallbackSecretProtected).SingleAsync(Cancel));
        Assert.DoesNotContain(rotation.CallbackSecret, stored!, StringComparison.Ordinal);
        Assert.Equal(rotation.CallbackSecret, App.Services.GetRequiredService<CallbackSecrets>().Unprotect(stored));
        var audit = await App.WithDbAsync(db => db.AuditEntries.Where(entry => entry.EntityType == "hospital" && entry.EntityId == code).Select(entry => entry.After).ToListAsync(Cancel));
        Assert.Equal(2, audit.Count);
        Assert.All(audit, after => Assert.DoesNotContain("mcs_", after!, StringComparison.Ordinal));
    }
}

/// <summary>
/// An app of its own with production's callback rules for addresses (no private networks) and a low limit on failed
/// API keys, so that its tests can exhaust it; its outbox loop is off, so that a test runs dispatch passes itself.
/// </summary>
public abstract class StrictFixture(DatabaseProvider provider) : IAsyncLifetime
{
    public const int FailedKeyLimit = 5;
    public const int LogLinesPerMinute = 3;

    private MedicalAidApp? app;

    public string? SkipReason { get; private set; }

    public MedicalAidApp App => app ?? throw new InvalidOperationException(SkipReason ?? "The app has not started.");

    public async ValueTask InitializeAsync()
    {
        if (provider == DatabaseProvider.Postgres && await PostgresServer.WhyUnavailableAsync() is { } reason)
        {
            if (PostgresServer.Required)
            {
                throw new InvalidOperationException($"PostgreSQL is required here (CI) but: {reason}");
            }

            SkipReason = reason;
            return;
        }

        app = new MedicalAidApp(await TestDatabase.CreateAsync(provider));
        app.ExtraSettings["Callbacks:AllowPrivateNetworks"] = "false";
        // The mock hospitals serve plain http; https alone is required in Production (ProductionDefaultsTests).
        app.ExtraSettings["Callbacks:AllowHttp"] = "true";
        app.ExtraSettings["Clearing:Enabled"] = "false";
        app.ExtraSettings["RateLimiting:FailedApiKey:PermitLimit"] = FailedKeyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        app.ExtraSettings["RateLimiting:FailedApiKey:LogLinesPerMinute"] = LogLinesPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await app.Services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope().DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteStrictFixture() : StrictFixture(DatabaseProvider.Sqlite);

public sealed class PostgresStrictFixture() : StrictFixture(DatabaseProvider.Postgres);

public sealed class SqliteStrictSecurityTests(SqliteStrictFixture fixture) : StrictSecurityTests(fixture), IClassFixture<SqliteStrictFixture>;

public sealed class PostgresStrictSecurityTests(PostgresStrictFixture fixture) : StrictSecurityTests(fixture), IClassFixture<PostgresStrictFixture>;

/// <summary>Server-side requests to callback URLs and guessing of API keys, under production's rules, on each real database.</summary>
public abstract class StrictSecurityTests
{
    protected StrictSecurityTests(StrictFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
        App = fixture.App;
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private MedicalAidApp App { get; }

    [Theory]
    [InlineData("https://127.0.0.1/cb")]
    [InlineData("https://localhost/cb")]
    [InlineData("https://[::1]/cb")]
    [InlineData("https://10.1.2.3/cb")]
    [InlineData("https://172.16.0.9/cb")]
    [InlineData("https://192.168.1.1/cb")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[fe80::1]/cb")]
    [InlineData("https://[fd00::1]/cb")]
    [InlineData("https://224.0.0.1/cb")]
    [InlineData("https://0.0.0.0/cb")]
    [InlineData("https://[::ffff:127.0.0.1]/cb")]
    [InlineData("https://user:password@93.184.215.14/cb")]
    public async Task CallbackUrl_ToAPrivateAddress_OrWithCredentials_IsRefusedAtRegistrationAndUpdate(string url)
    {
        using var admin = App.Staff("admin");
        var code = $"SSRF-{Guid.NewGuid():N}"[..12].ToUpperInvariant();

        using var registered = await admin.PostAsJsonAsync("/api/v1/admin/hospitals",
            new RegisterHospitalRequest { Code = code, Name = "回调医院", Level = HospitalLevel.Primary, CallbackBaseUrl = url }, Cancel);
        using var updated = await admin.PutAsJsonAsync("/api/v1/admin/hospitals/H001",
            new UpdateHospitalRequest { Name = "万柏林区中心医院", Level = HospitalLevel.Secondary, CallbackBaseUrl = url }, Cancel);
        using var allowed = await admin.PostAsJsonAsync("/api/v1/admin/hospitals",
            new RegisterHospitalRequest { Code = code, Name = "回调医院", Level = HospitalLevel.Primary, CallbackBaseUrl = "https://93.184.215.14/cb" }, Cancel);

        Assert.True((await SettlementTests.AssertProblemAsync(registered, HttpStatusCode.BadRequest, ProblemTypes.Validation)).GetProperty("errors").TryGetProperty("callbackBaseUrl", out _));
        Assert.True((await SettlementTests.AssertProblemAsync(updated, HttpStatusCode.BadRequest, ProblemTypes.Validation)).GetProperty("errors").TryGetProperty("callbackBaseUrl", out _));
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }

    [Fact]
    public async Task Delivery_ToACallbackHostThatNowResolvesToAPrivateAddress_IsNeverSent()
    {
        // Registered while its name resolved publicly; now it points at the service's own machine (written straight to
        // the database, as a DNS change would be invisible to the registry).
        using var mock = MockHospitalSystem.Start("REBIND", time: App.Clock, callbackSecret: "mcs_rebind");
        var secrets = App.Services.GetRequiredService<CallbackSecrets>();
        var code = $"RB-{Guid.NewGuid():N}"[..12].ToUpperInvariant();
        await App.WithDbAsync(async db =>
        {
            db.Hospitals.Add(new Hospital
            {
                Code = code, Name = "改址医院", Level = Engine.HospitalLevel.Primary, ApiKeyHash = Hospital.HashApiKey(code),
                CallbackBaseUrl = mock.Url.ToString(), CallbackSecretProtected = secrets.Protect("mcs_rebind"),
            });
            await db.SaveChangesAsync(Cancel);
        });
        using var admin = App.Staff("admin");
        using var run = await admin.PostAsJsonAsync("/api/v1/admin/clearing-runs", new ClearingRunRequest { Month = "2026-08" }, Cancel);
        var statement = (await run.Content.ReadFromJsonAsync<ClearingRunResponse>(Cancel))!.Statements.Single(candidate => candidate.HospitalCode == code);

        await App.Services.GetRequiredService<OutboxDispatcher>().DispatchDueAsync(Cancel);

        Assert.Empty(mock.Attempts);
        var delivery = await App.WithDbAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(message => message.SubjectId == statement.StatementId, Cancel));
        Assert.Null(delivery.DeliveredAt);
        Assert.Contains("no public address", delivery.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedApiKeys_FromOneAddress_Get429WithRetryAfter_EvenWithTheRightKey_AndAreLoggedAtABoundedRate()
    {
        var attempts = new List<HttpStatusCode>();
        for (var i = 0; i < StrictFixture.FailedKeyLimit + 15; i++)
        {
            using var guesser = App.Hospital($"guess-{i}");
            using var response = await guesser.GetAsync("/api/v1/eligibility/140109196208150026", Cancel);
            attempts.Add(response.StatusCode);
            if (i == StrictFixture.FailedKeyLimit)
            {
                await SettlementTests.AssertProblemAsync(response, HttpStatusCode.TooManyRequests, ProblemTypes.TooManyRequests);
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            }
        }

        using var rightful = App.Hospital(Keys.H001);
        using var blocked = await rightful.GetAsync("/api/v1/eligibility/140109196208150026", Cancel);

        Assert.All(attempts.Take(StrictFixture.FailedKeyLimit), status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.All(attempts.Skip(StrictFixture.FailedKeyLimit), status => Assert.Equal(HttpStatusCode.TooManyRequests, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        var lines = App.Logs.Lines.Where(line => line.Category.StartsWith("MedicalAid.Api.Hospitals", StringComparison.Ordinal)).ToList();
        Assert.InRange(lines.Count, 1, StrictFixture.LogLinesPerMinute);
        Assert.All(lines, line => Assert.DoesNotContain("guess-", line.Message, StringComparison.Ordinal));
    }
}

/// <summary>Production's defaults: no Swagger UI or OpenAPI document unless OpenApi:Enabled is set.</summary>
public sealed class ProductionDefaultsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null, HttpStatusCode.NotFound)]
    [InlineData("true", HttpStatusCode.OK)]
    public async Task InProduction_TheOpenApiDocumentIsServedOnlyWhenEnabled(string? enabled, HttpStatusCode expected)
    {
        await using var app = new MedicalAidApp(await TestDatabase.CreateAsync(DatabaseProvider.Sqlite)) { Environment = "Production" };
        app.ExtraSettings["Demo:Enabled"] = "false";
        if (enabled is not null)
        {
            app.ExtraSettings["OpenApi:Enabled"] = enabled;
        }

        using var client = app.CreateClient();
        using var document = await client.GetAsync("/swagger/v1/swagger.json", Cancel);
        using var ui = await client.GetAsync("/swagger/index.html", Cancel);

        Assert.Equal(expected, document.StatusCode);
        Assert.Equal(expected, ui.StatusCode);
    }
}

/// <summary>Production's callback rule: https only.</summary>
public sealed class ProductionCallbackTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InProduction_APlainHttpCallbackUrl_IsRefused()
    {
        await using var app = new MedicalAidApp(await TestDatabase.CreateAsync(DatabaseProvider.Sqlite)) { Environment = "Production" };
        app.ExtraSettings["Demo:Enabled"] = "false";
        app.ExtraSettings["Callbacks:AllowHttp"] = "false";
        using var admin = app.Staff("admin");

        using var http = await admin.PostAsJsonAsync("/api/v1/admin/hospitals",
            new RegisterHospitalRequest { Code = "HTTP1", Name = "明文医院", Level = HospitalLevel.Primary, CallbackBaseUrl = "http://93.184.215.14/cb" }, Cancel);
        using var https = await admin.PostAsJsonAsync("/api/v1/admin/hospitals",
            new RegisterHospitalRequest { Code = "HTTPS1", Name = "加密医院", Level = HospitalLevel.Primary, CallbackBaseUrl = "https://93.184.215.14/cb" }, Cancel);

        Assert.True((await SettlementTests.AssertProblemAsync(http, HttpStatusCode.BadRequest, ProblemTypes.Validation)).GetProperty("errors").TryGetProperty("callbackBaseUrl", out _));
        Assert.Equal(HttpStatusCode.Created, https.StatusCode);
    }
}

/// <summary>The callback signature of the client SDK, and the mock hospitals that verify it; no database needed.</summary>
public sealed class CallbackSignatureTests
{
    private const string Secret = "mcs_signature-test";
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 4, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"statementId":"0193a6b2-7c1e-7d8a-9f00-3c2b1a0e9d13","totalOwed":6000.00}""");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public void ASignature_VerifiesOnlyForItsBody_ItsSecret_AndWithinFiveMinutes()
    {
        var header = CallbackSignature.Create(Secret, Now, Body);
        var tampered = Body.ToArray();
        tampered[^3] = (byte)'9';

        Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", header);
        Assert.Equal(CallbackSignatureCheck.Valid, CallbackSignature.Verify(header, Body, Secret, Now.AddMinutes(4)));
        Assert.Equal(CallbackSignatureCheck.Mismatch, CallbackSignature.Verify(header, tampered, Secret, Now));
        Assert.Equal(CallbackSignatureCheck.Mismatch, CallbackSignature.Verify(header, Body, "mcs_another", Now));
        Assert.Equal(CallbackSignatureCheck.Stale, CallbackSignature.Verify(header, Body, Secret, Now.AddMinutes(6)));
        Assert.Equal(CallbackSignatureCheck.Stale, CallbackSignature.Verify(header, Body, Secret, Now.AddMinutes(-6)));
        Assert.Equal(CallbackSignatureCheck.Missing, CallbackSignature.Verify(null, Body, Secret, Now));
        Assert.Equal(CallbackSignatureCheck.Malformed, CallbackSignature.Verify("v1=abc", Body, Secret, Now));
        Assert.Equal(CallbackSignatureCheck.Valid, CallbackSignature.Verify(header, Body, ["mcs_new", Secret], Now));
    }

    [Fact]
    public async Task MockHospital_RefusesUnsignedWronglySignedAndStaleDeliveries_AndStoresNone()
    {
        using var mock = MockHospitalSystem.Start("H001", callbackSecret: Secret);

        var probes = await mock.SendBadDeliveriesAsync(Cancel);

        Assert.Equal(3, probes.Count);
        Assert.All(probes, probe => Assert.Equal((401, DeliveryOutcome.Unauthenticated), (probe.Status, probe.Outcome)));
        Assert.Equal([CallbackSignatureCheck.Missing, CallbackSignatureCheck.Mismatch, CallbackSignatureCheck.Stale], mock.Attempts.Select(attempt => attempt.Signature));
        Assert.Empty(mock.Deliveries);
    }

    [Fact]
    public async Task MockHospital_AcceptsTheSameDeliverySigned()
    {
        using var mock = MockHospitalSystem.Start("H001", callbackSecret: Secret);
        using var http = new HttpClient(new CallbackSigningHandler(Secret) { InnerHandler = new HttpClientHandler() }) { BaseAddress = mock.Url };
        using var message = new HttpRequestMessage(HttpMethod.Post, "medicalaid/notifications")
        {
            Content = JsonContent.Create(new HospitalNotification { NotificationId = Guid.NewGuid(), Kind = "test", Message = "已签名", At = Now }),
        };
        message.Headers.Add(IHospitalCallbackApi.DeliveryIdHeader, "signed-1");

        using var response = await http.SendAsync(message, Cancel);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(["signed-1"], mock.Deliveries.Select(delivery => delivery.DeliveryId));
    }
}
