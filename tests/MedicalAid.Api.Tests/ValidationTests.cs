using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Net.Http.Json;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;

namespace MedicalAid.Api.Tests;

public sealed class SqliteValidationTests(SqliteFixture fixture) : ValidationTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresValidationTests(PostgresFixture fixture) : ValidationTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>Bad input gets a 4xx problem naming the field, never a 500, and records nothing.</summary>
public abstract class ValidationTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private const string Valid = """
        { "visitNumber": "ZY2026112800017", "visitType": "inpatient",
          "patient": { "idNumber": "140109196208150026", "name": "李秀英" },
          "admissionDate": "2026-11-20", "dischargeDate": "2026-11-28",
          "diagnosisCodes": ["J18.9"],
          "amounts": { "total": 20000.00, "policyScope": 18000.00, "basicInsurancePaid": 10000.00,
                       "criticalIllnessInsurancePaid": 0, "otherInsurancePaid": 0 } }
        """;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, int, string> BadBodies => new()
    {
        { "malformed JSON", """{ "visitNumber": "ZY1", """, 400, "body" },
        { "missing field", Edit(body => body["amounts"]!.AsObject().Remove("total")), 400, "amounts.total" },
        { "missing object", Edit(body => body.Remove("patient")), 400, "patient" },
        { "null object", Edit(body => body["patient"] = null), 400, "patient" },
        { "unknown visit type", Edit(body => body["visitType"] = "dental"), 400, "visitType" },
        { "negative amount", Edit(body => body["amounts"]!["basicInsurancePaid"] = -1.00m), 400, "amounts.basicInsurancePaid" },
        { "more than two decimals", Edit(body => body["amounts"]!["total"] = 20000.001m), 400, "amounts.total" },
        { "amount as text", Edit(body => body["amounts"]!["total"] = "20000"), 400, "amounts.total" },
        { "absurd amount", Edit(body => body["amounts"]!["total"] = 1e20m), 400, "amounts.total" },
        { "policy scope above total", Edit(body => body["amounts"]!["policyScope"] = 20000.01m), 400, "amounts.policyScope" },
        { "insurance above policy scope", Edit(body => body["amounts"]!["otherInsurancePaid"] = 8000.01m), 400, "amounts.basicInsurancePaid" },
        { "discharge before admission", Edit(body => body["admissionDate"] = "2026-11-29"), 400, "dischargeDate" },
        { "discharge in the future", Edit(body => body["dischargeDate"] = "2026-11-30"), 400, "dischargeDate" },
        { "not a date", Edit(body => body["dischargeDate"] = "2026-13-01"), 400, "dischargeDate" },
        { "outpatient visit in the future", Edit(body => Outpatient(body, "2026-12-01")), 400, "visitDate" },
        { "outpatient without visit date", Edit(body => { body["visitType"] = "outpatient"; body.Remove("admissionDate"); body.Remove("dischargeDate"); }), 400, "visitDate" },
        { "inpatient with visit date", Edit(body => body["visitDate"] = "2026-11-28"), 400, "visitDate" },
        { "invalid ID check character", Edit(body => body["patient"]!["idNumber"] = "140109196208150027"), 400, "patient.idNumber" },
        { "ID of wrong length", Edit(body => body["patient"]!["idNumber"] = "14010919620815002"), 400, "patient.idNumber" },
        { "empty visit number", Edit(body => body["visitNumber"] = ""), 400, "visitNumber" },
        { "over-long visit number", Edit(body => body["visitNumber"] = new string('Z', 65)), 400, "visitNumber" },
        { "injection in visit number", Edit(body => body["visitNumber"] = "ZY1'; DROP TABLE \"Settlements\";--"), 400, "visitNumber" },
        { "too many diagnosis codes", Edit(body => body["diagnosisCodes"] = new JsonArray(Enumerable.Range(0, 21).Select(_ => (JsonNode)"J18.9").ToArray())), 400, "diagnosisCodes" },
        { "unknown field", Edit(body => body["amounts"]!["discount"] = 1), 400, "amounts.discount" },
        { "duplicated field", Valid.Replace("\"visitType\": \"inpatient\"", "\"visitType\": \"inpatient\", \"visitType\": \"outpatient\"", StringComparison.Ordinal), 400, "visitType" },
        { "array instead of object", "[1, 2, 3]", 400, "body" },
        { "deeply nested", new string('[', 200) + new string(']', 200), 400, "body" },
        { "control character in diagnosis code", Edit(body => body["diagnosisCodes"] = new JsonArray("\u0000")), 400, "diagnosisCodes[0]" },
        { "comma in diagnosis code", Edit(body => body["diagnosisCodes"] = new JsonArray("J18.9,K35")), 400, "diagnosisCodes[0]" },
        { "control character in name", Edit(body => body["patient"]!["name"] = "李\u0000秀英"), 400, "patient.name" },
        { "visit type as a number", Edit(body => body["visitType"] = 1), 400, "visitType" },
        { "name does not match", Edit(body => body["patient"]!["name"] = "李秀"), 422, ProblemTypes.IdentityMismatch },
        { "unknown beneficiary", Edit(body => body["patient"]!["idNumber"] = "110101199003070011"), 422, ProblemTypes.BeneficiaryNotEligible },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Settle_WithBadInput_AnswersProblemNamingTheFieldAndRecordsNothing(string description, string body, int status, string fieldOrType)
    {
        var before = await RecordCountsAsync();
        using var h001 = App.Hospital();

        using var response = await PostAsync(h001, "/api/v1/settlements", body, Guid.NewGuid().ToString());

        var problem = await AssertProblemAsync(response, status, description);
        if (status == 400)
        {
            Assert.Equal(ProblemTypes.Validation, problem["type"]!.GetValue<string>());
            Assert.True(problem["errors"]!.AsObject().ContainsKey(fieldOrType), $"{description}: errors do not name {fieldOrType}: {problem.ToJsonString()}");
        }
        else
        {
            Assert.Equal(fieldOrType, problem["type"]!.GetValue<string>());
        }

        Assert.Equal(before, await RecordCountsAsync());
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Preview_WithBadInput_AnswersProblemAndNeverA500(string description, string body, int status, string fieldOrType)
    {
        using var h001 = App.Hospital();
        using var response = await PostAsync(h001, "/api/v1/settlements/preview", body, idempotencyKey: null);
        var problem = await AssertProblemAsync(response, status, description);
        if (status == 400)
        {
            Assert.True(problem["errors"]!.AsObject().ContainsKey(fieldOrType), $"{description}: errors do not name {fieldOrType}: {problem.ToJsonString()}");
        }
        else
        {
            Assert.Equal(fieldOrType, problem["type"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Settle_InactiveBeneficiary_Is422BeneficiaryNotEligible()
    {
        var patient = await App.NewBeneficiaryAsync(Engine.DemoPolicy.MinimumLiving);
        await App.WithDbAsync(async db =>
        {
            var beneficiary = db.Beneficiaries.Single(candidate => candidate.IdNumber == patient.IdNumber);
            db.BeneficiaryStatusChanges.Add(new Beneficiaries.BeneficiaryStatusChange
            {
                BeneficiaryId = beneficiary.Id,
                EffectiveFrom = new DateOnly(2026, 6, 1),
                CategoryCode = Engine.DemoPolicy.MinimumLiving,
                IsActive = false,
            });
            await db.SaveChangesAsync();
        });
        var before = await RecordCountsAsync();
        using var h001 = App.Hospital();

        using var afterInactive = await h001.SettleAsync(Requests.Inpatient(patient, 1_000m, 1_000m, 500m));
        using var beforeInactive = await h001.SettleAsync(Requests.Inpatient(patient, 1_000m, 1_000m, 500m, dischargeDate: new DateOnly(2026, 5, 31)));

        await AssertProblemAsync(afterInactive, 422, ProblemTypes.BeneficiaryNotEligible);
        Assert.Equal(HttpStatusCode.Created, beforeInactive.StatusCode);
        Assert.Equal(before.Settlements + 1, (await RecordCountsAsync()).Settlements);
    }

    [Fact]
    public async Task Settle_InAYearWhoseFundsAreNotOpen_Is422AndRecordsNothing()
    {
        // The demo policy covers 2024, but funds are open only for 2025 and 2026.
        var patient = await App.NewBeneficiaryAsync(Engine.DemoPolicy.MinimumLiving);
        var request = Requests.Inpatient(patient, 10_000m, 10_000m, 5_000m, dischargeDate: new DateOnly(2024, 6, 5));
        var before = await RecordCountsAsync();
        using var h001 = App.Hospital();

        using var settle = await h001.SettleAsync(request);
        using var preview = await h001.PostAsJsonAsync("/api/v1/settlements/preview", request, Cancel);

        Assert.Equal(ProblemTypes.FundNotOpen, (await AssertProblemAsync(settle, 422, "2024 settle"))["type"]!.GetValue<string>());
        Assert.Equal(ProblemTypes.FundNotOpen, (await AssertProblemAsync(preview, 422, "2024 preview"))["type"]!.GetValue<string>());
        Assert.Equal(before, await RecordCountsAsync());
    }

    [Theory]
    [InlineData(@"a\u0000b")]
    [InlineData(@"\u0007")]
    public async Task Reversal_WithControlCharactersInTheReason_Is400(string reason)
    {
        using var h001 = App.Hospital();
        var body = $$"""{ "reason": "{{reason}}" }""";

        using var reversal = await PostAsync(h001, $"/api/v1/settlements/{Guid.NewGuid()}/reversal", body, Guid.NewGuid().ToString());
        using var byRequest = await PostAsync(h001, "/api/v1/settlements/reversal-by-request", $$"""{ "originalIdempotencyKey": "k", "reason": "{{reason}}" }""", null);

        Assert.True((await AssertProblemAsync(reversal, 400, "reversal"))["errors"]!.AsObject().ContainsKey("reason"));
        Assert.True((await AssertProblemAsync(byRequest, 400, "by request"))["errors"]!.AsObject().ContainsKey("reason"));
    }

    [Fact]
    public async Task Settle_OversizedBody_Is413AndRecordsNothing()
    {
        var before = await RecordCountsAsync();
        using var h001 = App.Hospital();
        var huge = Edit(body => body["patient"]!["name"] = new string('李', 70_000));

        using var response = await PostAsync(h001, "/api/v1/settlements", huge, Guid.NewGuid().ToString());

        await AssertProblemAsync(response, 413, "oversized");
        Assert.Equal(before, await RecordCountsAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("key with spaces")]
    [InlineData("密钥")]
    public async Task Settle_WithoutAUsableIdempotencyKey_Is400NamingTheHeader(string? key)
    {
        using var h001 = App.Hospital();
        using var response = await PostAsync(h001, "/api/v1/settlements", Valid, key);
        var problem = await AssertProblemAsync(response, 400, "bad key");
        Assert.True(problem["errors"]!.AsObject().ContainsKey("Idempotency-Key"));
    }

    [Fact]
    public async Task Settle_WithOverLongIdempotencyKey_Is400()
    {
        using var h001 = App.Hospital();
        using var response = await PostAsync(h001, "/api/v1/settlements", Valid, new string('k', 256));
        var problem = await AssertProblemAsync(response, 400, "long key");
        Assert.True(problem["errors"]!.AsObject().ContainsKey("Idempotency-Key"));
    }

    [Fact]
    public async Task Settle_WithoutJsonContentType_Is415ProblemJson()
    {
        using var h001 = App.Hospital();
        using var content = new StringContent(Valid, Encoding.UTF8, "text/plain");
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/settlements") { Content = content };
        message.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await h001.SendAsync(message, Cancel);
        await AssertProblemAsync(response, 415, "text/plain");
    }

    [Fact]
    public async Task Eligibility_WithInvalidIdNumber_Is400NamingIt()
    {
        using var h001 = App.Hospital();
        using var response = await h001.GetAsync("/api/v1/eligibility/140109196208150027", Cancel);
        var problem = await AssertProblemAsync(response, 400, "bad id");
        Assert.True(problem["errors"]!.AsObject().ContainsKey("idNumber"));
    }

    [Fact]
    public async Task ReversalByRequest_WithoutKey_Is400()
    {
        using var h001 = App.Hospital();
        using var response = await PostAsync(h001, "/api/v1/settlements/reversal-by-request", """{ "originalIdempotencyKey": "" }""", null);
        var problem = await AssertProblemAsync(response, 400, "empty original key");
        Assert.True(problem["errors"]!.AsObject().ContainsKey("originalIdempotencyKey"));
    }

    private static string Edit(Action<JsonObject> change)
    {
        var body = JsonNode.Parse(Valid)!.AsObject();
        change(body);
        return body.ToJsonString();
    }

    private static void Outpatient(JsonObject body, string visitDate)
    {
        body["visitType"] = "outpatient";
        body.Remove("admissionDate");
        body.Remove("dischargeDate");
        body["visitDate"] = visitDate;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string body, string? idempotencyKey)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null)
        {
            message.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(message, Cancel);
    }

    private static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, int status, string description)
    {
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True((int)response.StatusCode == status, $"{description}: expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!.AsObject();
    }

    private Task<(int Settlements, int Ledger, int Keys)> RecordCountsAsync() =>
        App.WithDbAsync(async db => (
            await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Settlements),
            await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Set<LedgerEntry>()),
            await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Set<IdempotencyRecord>())));
}
