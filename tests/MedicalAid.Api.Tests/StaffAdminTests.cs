using System.Net;
using System.Net.Http.Json;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Policies;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using ContractLevel = MedicalAid.Contracts.Admin.HospitalLevel;

namespace MedicalAid.Api.Tests;

public sealed class SqliteStaffAdminTests(SqliteFixture fixture) : StaffAdminTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresStaffAdminTests(PostgresFixture fixture) : StaffAdminTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>Hospitals, policies, funds, the subsidy run and the audit trail, as civil-affairs staff use them.</summary>
public abstract class StaffAdminTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RegisterHospital_GivesAKeyThatWorksOnce_RotationRetiresIt_DeactivationStopsIt()
    {
        using var admin = App.Staff("admin");
        var code = "T" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();

        using var registered = await admin.PostAsJsonAsync("/api/v1/admin/hospitals",
            new RegisterHospitalRequest { Code = code, Name = "测试医院", Level = ContractLevel.Primary, CallbackBaseUrl = "https://his.example/cb" }, Cancel);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var credentials = (await registered.Content.ReadFromJsonAsync<HospitalCredentials>(Cancel))!;
        using (var hospital = App.Hospital(credentials.ApiKey))
        {
            Assert.Equal(HttpStatusCode.OK, (await hospital.GetAsync("/api/v1/eligibility/140109196208150026", Cancel)).StatusCode);
        }

        using var rotated = await admin.PostAsync($"/api/v1/admin/hospitals/{code}/api-key", null, Cancel);
        var newKey = (await rotated.Content.ReadFromJsonAsync<HospitalApiKey>(Cancel))!.ApiKey;
        using (var oldKey = App.Hospital(credentials.ApiKey))
        using (var currentKey = App.Hospital(newKey))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await oldKey.GetAsync("/api/v1/eligibility/140109196208150026", Cancel)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await currentKey.GetAsync("/api/v1/eligibility/140109196208150026", Cancel)).StatusCode);
        }

        using var deactivated = await admin.PostAsync($"/api/v1/admin/hospitals/{code}/deactivation", null, Cancel);
        Assert.False((await deactivated.Content.ReadFromJsonAsync<HospitalResponse>(Cancel))!.Active);
        using (var afterDeactivation = App.Hospital(newKey))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await afterDeactivation.GetAsync("/api/v1/eligibility/140109196208150026", Cancel)).StatusCode);
        }

        var stored = await App.WithDbAsync(db => db.Hospitals.SingleAsync(hospital => hospital.Code == code));
        Assert.DoesNotContain(newKey, stored.ApiKeyHash, StringComparison.Ordinal);
        var audit = await AuditAsync("hospital", code);
        Assert.Equal(["hospital.deactivated", "hospital.key-rotated", "hospital.registered"], audit.Select(entry => entry.Action));
        Assert.All(audit, entry => Assert.DoesNotContain(newKey, entry.After ?? "", StringComparison.Ordinal));
        Assert.All(audit, entry => Assert.Equal("测试员", entry.Actor));
    }

    [Fact]
    public async Task RegisterHospital_TakenCode_Is409_AndBadFieldsAre400()
    {
        using var admin = App.Staff("admin");

        using var duplicate = await admin.PostAsJsonAsync("/api/v1/admin/hospitals",
            new RegisterHospitalRequest { Code = "H001", Name = "重复", Level = ContractLevel.Secondary }, Cancel);
        using var invalid = await admin.PostAsJsonAsync("/api/v1/admin/hospitals",
            new RegisterHospitalRequest { Code = "H 9", Name = "", Level = ContractLevel.Secondary, CallbackBaseUrl = "ftp://x" }, Cancel);

        await SettlementTests.AssertProblemAsync(duplicate, HttpStatusCode.Conflict, ProblemTypes.Duplicate);
        var problem = await SettlementTests.AssertProblemAsync(invalid, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("code", out _));
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("callbackBaseUrl", out _));
    }

    [Fact]
    public async Task UpdateHospital_ChangesItsLevel_AndSettlementsUseTheNewLevel()
    {
        using var admin = App.Staff("admin");
        var code = "U" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        using var registered = await admin.PostAsJsonAsync("/api/v1/admin/hospitals",
            new RegisterHospitalRequest { Code = code, Name = "升级医院", Level = ContractLevel.Secondary }, Cancel);
        var key = (await registered.Content.ReadFromJsonAsync<HospitalCredentials>(Cancel))!.ApiKey;

        using var updated = await admin.PutAsJsonAsync($"/api/v1/admin/hospitals/{code}",
            new UpdateHospitalRequest { Name = "升级医院", Level = ContractLevel.Tertiary }, Cancel);
        Assert.Equal(ContractLevel.Tertiary, (await updated.Content.ReadFromJsonAsync<HospitalResponse>(Cancel))!.Level);

        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        using var hospital = App.Hospital(key);
        using var settled = await hospital.SettleAsync(Requests.Inpatient(patient, 10_000m, 10_000m, 2_000m));
        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
        Assert.Equal(0.70m, settlement.Channels[2].Trace["ratio"]);
        Assert.Single(await AuditAsync("hospital", code), entry => entry.Action == "hospital.updated");
    }

    [Fact]
    public async Task CreatePolicy_SupersedesTheOpenEndedVersion_AndLaterSettlementsUseIt()
    {
        using var admin = App.Staff("admin");
        var before = (await admin.GetFromJsonAsync<PolicyVersionResponse>("/api/v1/admin/policies/demo", Cancel))!;
        var code = "p" + Guid.NewGuid().ToString("N")[..6];
        var policy = before.Policy with
        {
            Code = code,
            EffectiveFrom = new DateOnly(2027, 1, 1),
            EffectiveTo = null,
            SharedAnnualCap = 90_000.00m,
        };

        using var created = await admin.PostAsJsonAsync("/api/v1/admin/policies", policy, Cancel);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var demo = (await admin.GetFromJsonAsync<PolicyVersionResponse>("/api/v1/admin/policies/demo", Cancel))!;
        Assert.Equal(new DateOnly(2026, 12, 31), demo.Policy.EffectiveTo);
        Assert.Equal(before.Policy.SharedAnnualCap, demo.Policy.SharedAnnualCap);
        var stored = (await admin.GetFromJsonAsync<PolicyVersionResponse>($"/api/v1/admin/policies/{code}", Cancel))!;
        Assert.Equal(90_000.00m, stored.Policy.SharedAnnualCap);
        Assert.Equal(before.Policy.Categories.Count, stored.Policy.Categories.Count);
        var audit = await AuditAsync("policy", null);
        Assert.Contains(audit, entry => entry.Action == "policy.created" && entry.EntityId == code);
        Assert.Contains(audit, entry => entry.Action == "policy.superseded" && entry.EntityId == "demo");

        // Both versions' rules, each on its own side of the boundary, after the demo rules were already in use.
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        using var hospital = App.Hospital();
        var lastDemoDay = (await hospital.GetFromJsonAsync<EligibilityResponse>($"/api/v1/eligibility/{patient.IdNumber}?date=2026-12-31", Cancel))!;
        var firstNewDay = (await hospital.GetFromJsonAsync<EligibilityResponse>($"/api/v1/eligibility/{patient.IdNumber}?date=2027-01-01", Cancel))!;
        Assert.Equal(("demo", before.Policy.SharedAnnualCap), (lastDemoDay.PolicyVersion, lastDemoDay.SharedAnnualCap!.Limit));
        Assert.Equal((code, 90_000.00m), (firstNewDay.PolicyVersion, firstNewDay.SharedAnnualCap!.Limit));

        // A process that has parsed neither version yet reads each from the database by the id the lookup found.
        var (coldLastDemoDay, coldFirstNewDay) = await App.WithDbAsync(async db =>
        {
            var cold = new BeneficiaryEligibility(db, new PolicyCatalog(db, new ParsedPolicyCache()));
            return (await cold.FindAsync(patient.IdNumber, new DateOnly(2026, 12, 31), Cancel),
                await cold.FindAsync(patient.IdNumber, new DateOnly(2027, 1, 1), Cancel));
        });
        Assert.Equal(("demo", before.Policy.SharedAnnualCap), (coldLastDemoDay!.Policy!.Code, coldLastDemoDay.Policy.SharedAnnualCap.ToYuan()));
        Assert.Equal((code, 90_000.00m), (coldFirstNewDay!.Policy!.Code, coldFirstNewDay.Policy.SharedAnnualCap.ToYuan()));

        using var overlapping = await admin.PostAsJsonAsync("/api/v1/admin/policies", policy with { Code = code + "x", EffectiveFrom = new DateOnly(2025, 1, 1) }, Cancel);
        await SettlementTests.AssertProblemAsync(overlapping, HttpStatusCode.Conflict, ProblemTypes.PolicyOverlap);
    }

    [Fact]
    public async Task CreatePolicy_WithAmountsOrRatiosTooPrecise_Is400NamingEachField()
    {
        using var admin = App.Staff("admin");
        var demo = (await admin.GetFromJsonAsync<PolicyVersionResponse>("/api/v1/admin/policies/demo", Cancel))!.Policy;
        var invalid = demo with
        {
            Code = "bad",
            EffectiveFrom = new DateOnly(2030, 1, 1),
            Charity = demo.Charity with { PerCaseCap = 0.001m },
            Temporary = demo.Temporary with { Ratio = 0.12345m },
        };

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/policies", invalid, Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        var errors = problem.GetProperty("errors").EnumerateObject().Select(error => error.Name).ToHashSet();
        Assert.Contains("charity.perCaseCap", errors);
        Assert.Contains("temporary.ratio", errors);
        Assert.True(await App.WithDbAsync(db => db.PolicyVersions.CountAsync(version => version.Code == "bad")) == 0);
    }

    [Fact]
    public async Task CreatePolicy_NegativeCapRatioOutOfRangeUnknownCategory_AreEachReported()
    {
        using var admin = App.Staff("admin");
        var demo = (await admin.GetFromJsonAsync<PolicyVersionResponse>("/api/v1/admin/policies/demo", Cancel))!.Policy;
        var invalid = demo with
        {
            Code = "bad2",
            EffectiveFrom = new DateOnly(2031, 1, 1),
            SharedAnnualCap = -1m,
            Temporary = demo.Temporary with { Ratio = 1.5m },
            Categories = [.. demo.Categories, demo.Categories[0] with { Category = "no-such-category" }],
        };

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/policies", invalid, Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        var errors = problem.GetProperty("errors").EnumerateObject().Select(error => error.Name).ToHashSet();
        Assert.Contains("sharedAnnualCap", errors);
        Assert.Contains("temporary.ratio", errors);
        Assert.Contains("categories[no-such-category]", errors);
    }

    [Fact]
    public async Task TopUp_RaisesTheBalanceThroughTheLedger_AndOpensANewYear()
    {
        using var admin = App.Staff("admin");

        using var topUp = await admin.PostAsJsonAsync("/api/v1/admin/funds/2027/charity/top-ups", new TopUpRequest { Amount = 1_234.56m, Reason = "2027年度拨款" }, Cancel);
        using var again = await admin.PostAsJsonAsync("/api/v1/admin/funds/2027/charity/top-ups", new TopUpRequest { Amount = 0.44m, Reason = "补足" }, Cancel);

        Assert.Equal(HttpStatusCode.OK, topUp.StatusCode);
        Assert.Equal(1_235.00m, (await again.Content.ReadFromJsonAsync<FundBalanceResponse>(Cancel))!.Balance);
        var ledger = (await admin.GetFromJsonAsync<Page<LedgerEntryResponse>>("/api/v1/admin/funds/2027/charity/ledger", Cancel))!;
        Assert.Equal(2, ledger.Total);
        Assert.Equal([0.44m, 1_234.56m], ledger.Items.Select(entry => entry.Amount));
        Assert.All(ledger.Items, entry => Assert.Equal(LedgerEntryKind.TopUp, entry.Kind));
        var balances = (await admin.GetFromJsonAsync<List<FundBalanceResponse>>("/api/v1/admin/funds?year=2027", Cancel))!;
        Assert.Equal(1_235.00m, Assert.Single(balances).Balance);
        Assert.Equal(2, (await AuditAsync("fund", "2027/charity")).Count);
        await App.AssertInvariantsAsync();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1.001")]
    public async Task TopUp_WithAnAmountThatIsNotPositiveYuan_Is400(string amount)
    {
        using var admin = App.Staff("admin");
        using var content = new StringContent($$"""{ "amount": {{amount}}, "reason": "x" }""", System.Text.Encoding.UTF8, "application/json");
        using var response = await admin.PostAsync("/api/v1/admin/funds/2026/charity/top-ups", content, Cancel);
        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("amount", out _));
    }

    [Fact]
    public async Task SubsidyRun_PaysEachEligiblePersonOnce_EvenRunTwiceOrConcurrently()
    {
        // The previous year, so that the other tests' beneficiaries (settled this year) do not change the counts here.
        using var admin = App.Staff("admin");
        var eligibleBefore = await EligibleUnpaidAsync(2025);
        Assert.True(eligibleBefore > 0);

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            using var client = App.Staff("admin");
            using var response = await client.PostAsync("/api/v1/admin/funds/2025/insurance-subsidy-run", null, Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<SubsidyRunResponse>(Cancel))!;
        }));
        using var rerun = await admin.PostAsync("/api/v1/admin/funds/2025/insurance-subsidy-run", null, Cancel);
        var second = (await rerun.Content.ReadFromJsonAsync<SubsidyRunResponse>(Cancel))!;

        Assert.Equal(eligibleBefore, concurrent.Sum(run => run.Persons));
        Assert.Equal(0, second.Persons);
        Assert.Equal(0m, second.Total);
        Assert.Equal(eligibleBefore, second.AlreadyPaid);
        var payments = await App.WithDbAsync(db => db.PremiumSubsidyPayments.Where(payment => payment.Year == 2025).ToListAsync());
        Assert.Equal(payments.Count, payments.Select(payment => payment.BeneficiaryId).Distinct().Count());
        Assert.Equal(concurrent.Sum(run => run.Total), payments.Sum(payment => payment.Amount.ToYuan()));
        Assert.Equal(4, (await AuditAsync("fund", "2025/insuranceSubsidy")).Count(entry => entry.Action == "fund.subsidy-run"));
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task SubsidyRun_ThenSettlement_DoesNotPayThePremiumAgain()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.Orphan);
        using var admin = App.Staff("admin");
        using var run = await admin.PostAsync("/api/v1/admin/funds/2026/insurance-subsidy-run", null, Cancel);
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);

        using var h001 = App.Hospital();
        using var settled = await h001.SettleAsync(Requests.Outpatient(patient, 200m, 200m, 0m));

        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
        Assert.Equal(0m, settlement.Channels[0].Amount);
        Assert.Equal(["ALREADY_PAID_THIS_YEAR"], settlement.Channels[0].Reasons);
        await App.AssertInvariantsAsync();
    }

    public static TheoryData<string, string, string, string?> Matrix
    {
        get
        {
            // family, method, path, body — each row is tried with every kind of credential.
            var rows = new TheoryData<string, string, string, string?>
            {
                { "hospital", "GET", "/api/v1/eligibility/140109196208150026", null },
                { "hospital", "POST", "/api/v1/settlements/preview", "{}" },
                { "read", "GET", "/api/v1/admin/hospitals", null },
                { "read", "GET", "/api/v1/admin/policies", null },
                { "read", "GET", "/api/v1/admin/funds", null },
                { "read", "GET", "/api/v1/admin/beneficiaries", null },
                { "operate", "POST", "/api/v1/admin/beneficiaries", "{}" },
                { "admin", "POST", "/api/v1/admin/hospitals", "{}" },
                { "admin", "POST", "/api/v1/admin/policies", "{}" },
                { "admin", "POST", "/api/v1/admin/funds/2026/charity/top-ups", "{}" },
                { "audit", "GET", "/api/v1/admin/audit", null },
                { "admin", "GET", "/api/v1/admin/units", null },
                { "admin", "POST", "/api/v1/admin/units", "{}" },
                { "admin", "GET", "/api/v1/admin/staff", null },
                { "admin", "POST", "/api/v1/admin/staff", "{}" },
            };
            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task EveryEndpointFamily_AdmitsExactlyItsCallers(string family, string method, string path, string? body)
    {
        var callers = new (string Caller, Func<HttpClient> Client)[]
        {
            ("none", App.CreateClient),
            ("hospital", () => App.Hospital(Keys.H002)),
            ("auditor", () => App.Staff("auditor")),
            ("operator", () => App.Staff("operator")),
            ("approver", () => App.Staff("approver")),
            ("admin", () => App.Staff("admin")),
            ("expired admin", () => WithToken(StaffTokens.Create("admin", "old", expires: DateTimeOffset.UtcNow.AddMinutes(-10)))),
            ("foreign issuer", () => WithToken(StaffTokens.Create("admin", "stranger", issuer: "someone-else"))),
        };
        foreach (var (caller, makeClient) in callers)
        {
            using var client = makeClient();
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request, Cancel);

            var admitted = (family, caller) switch
            {
                ("hospital", "hospital") => true,
                ("read", "auditor" or "operator" or "approver" or "admin") => true,
                ("operate", "operator" or "admin") => true,
                ("audit", "auditor" or "admin") => true,
                ("admin", "admin") => true,
                _ => false,
            };
            var expected = caller is "none" or "expired admin" or "foreign issuer" ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
            if (admitted)
            {
                Assert.True((int)response.StatusCode is 200 or 400, $"{caller} on {method} {path}: {response.StatusCode}");
            }
            else
            {
                Assert.True(expected == response.StatusCode, $"{caller} on {method} {path}: expected {expected}, got {response.StatusCode}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Fact]
    public async Task HospitalRequests_OverTheRateLimit_Get429WithRetryAfter()
    {
        await using var limited = new MedicalAidApp(App.Database, ownsDatabase: false);
        limited.ExtraSettings["RateLimiting:Hospital:PermitsPerSecond"] = "1";
        limited.ExtraSettings["RateLimiting:Hospital:Burst"] = "3";
        using var h001 = limited.Hospital(Keys.H001);
        using var h002 = limited.Hospital(Keys.H002);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await h001.GetAsync("/api/v1/eligibility/140109196208150026", Cancel);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter is not null);
                await SettlementTests.AssertProblemAsync(response, HttpStatusCode.TooManyRequests, ProblemTypes.TooManyRequests);
            }
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        using var other = await h002.GetAsync("/api/v1/eligibility/140109196208150026", Cancel);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    private HttpClient WithToken(string token)
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<int> EligibleUnpaidAsync(int year) =>
        await App.WithDbAsync(async db =>
        {
            var beneficiaries = await db.Beneficiaries.Include(beneficiary => beneficiary.StatusHistory).ToListAsync();
            var paid = (await db.BeneficiaryYearUsages.Where(usage => usage.Year == year).ToListAsync())
                .Where(usage => usage.InsuranceSubsidy.IsPositive).Select(usage => usage.BeneficiaryId).ToHashSet();
            var withPremium = DemoPolicy.Version.Categories.Where(rule => rule.PremiumSubsidy.IsPositive).Select(rule => rule.Category).ToHashSet();
            return beneficiaries.Count(beneficiary =>
                beneficiary.StatusOn(new DateOnly(year, 12, 31)) is { IsActive: true } status
                && withPremium.Contains(status.CategoryCode)
                && !paid.Contains(beneficiary.Id));
        });

    private async Task<IReadOnlyList<AuditEntryResponse>> AuditAsync(string entityType, string? entityId)
    {
        using var admin = App.Staff("admin");
        var query = $"/api/v1/admin/audit?entityType={entityType}&pageSize=100" + (entityId is null ? "" : $"&entityId={Uri.EscapeDataString(entityId)}");
        return (await admin.GetFromJsonAsync<Page<AuditEntryResponse>>(query, Cancel))!.Items;
    }
}
