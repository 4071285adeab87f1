using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Tests;

public sealed class SqliteBeneficiaryAdminTests(SqliteFixture fixture) : BeneficiaryAdminTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresBeneficiaryAdminTests(PostgresFixture fixture) : BeneficiaryAdminTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>The staff beneficiary registry: search, detail, create, update, status changes, audit and who may do what.</summary>
public abstract class BeneficiaryAdminTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private const string Route = "/api/v1/admin/beneficiaries";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_ValidBeneficiary_Is201WithLocationAndFullDetail()
    {
        using var operatorClient = App.Staff("operator");
        var idNumber = BeneficiaryTestData.NextIdNumber();

        using var response = await operatorClient.PostAsJsonAsync(Route, new CreateBeneficiaryRequest
        {
            IdNumber = idNumber.ToLowerInvariant(),
            Name = "  新登记  ",
            Category = DemoPolicy.MinimumLiving,
            EffectiveFrom = new DateOnly(2026, 1, 1),
        }, Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<BeneficiaryDetail>(Cancel))!;
        Assert.Equal($"{Route}/{created.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(idNumber, created.IdNumber);
        Assert.Equal("新登记", created.Name);
        Assert.Equal(idNumber[..6], created.DivisionCode);
        Assert.Equal(DemoPolicy.MinimumLiving, created.Category);
        Assert.True(created.Active);
        var entry = Assert.Single(created.StatusHistory);
        Assert.Equal((new DateOnly(2026, 1, 1), DemoPolicy.MinimumLiving, true), (entry.EffectiveFrom, entry.Category, entry.Active));

        var read = await operatorClient.GetFromJsonAsync<BeneficiaryDetail>($"{Route}/{created.Id}", Cancel);
        Assert.Equal(
            (created.Id, created.IdNumber, created.Name, created.DivisionCode, created.Category, created.Active),
            (read!.Id, read.IdNumber, read.Name, read.DivisionCode, read.Category, read.Active));
        Assert.Equal(created.StatusHistory, read.StatusHistory);
    }

    [Fact]
    public async Task Create_RegisteredIdNumber_Is409DuplicateNamingTheExistingBeneficiary()
    {
        using var operatorClient = App.Staff("operator");
        var first = await CreateAsync(operatorClient);

        using var again = await operatorClient.PostAsJsonAsync(Route, NewRequest(first.IdNumber), Cancel);

        var problem = await SettlementTests.AssertProblemAsync(again, HttpStatusCode.Conflict, ProblemTypes.Duplicate);
        Assert.Equal(first.Id, problem.GetProperty("beneficiaryId").GetInt64());
    }

    [Fact]
    public async Task Create_SameIdNumberConcurrently_RegistersOnce()
    {
        using var operatorClient = App.Staff("operator");
        var request = NewRequest(BeneficiaryTestData.NextIdNumber());

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => operatorClient.PostAsJsonAsync(Route, request, Cancel)));

        Assert.Single(responses, response => response.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(response => response.StatusCode != HttpStatusCode.Created),
            response => Assert.Equal(HttpStatusCode.Conflict, response.StatusCode));
        Assert.Equal(1, await App.WithDbAsync(db => db.Beneficiaries.CountAsync(beneficiary => beneficiary.IdNumber == request.IdNumber, Cancel)));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    public static TheoryData<string, string> InvalidCreations => new()
    {
        { "idNumber", """{ "idNumber": "140105195001010017", "name": "甲", "category": "minimum-living", "effectiveFrom": "2026-01-01" }""" },
        { "idNumber", """{ "idNumber": "14010519500101001", "name": "甲", "category": "minimum-living", "effectiveFrom": "2026-01-01" }""" },
        { "idNumber", $$"""{ "idNumber": "{{BeneficiaryTestData.IdNumber("140105", new DateOnly(2026, 12, 1), 1)}}", "name": "甲", "category": "minimum-living", "effectiveFrom": "2026-01-01" }""" },
        { "idNumber", """{ "name": "甲", "category": "minimum-living", "effectiveFrom": "2026-01-01" }""" },
        { "name", $$"""{ "idNumber": "{{BeneficiaryTestData.IdNumber("140105", new DateOnly(1950, 1, 1), 999)}}", "name": "  ", "category": "minimum-living", "effectiveFrom": "2026-01-01" }""" },
        { "name", $$"""{ "idNumber": "{{BeneficiaryTestData.IdNumber("140105", new DateOnly(1950, 1, 1), 999)}}", "name": "{{new string('名', 65)}}", "category": "minimum-living", "effectiveFrom": "2026-01-01" }""" },
        { "name", $$"""{ "idNumber": "{{BeneficiaryTestData.IdNumber("140105", new DateOnly(1950, 1, 1), 999)}}", "name": "甲\u0007乙", "category": "minimum-living", "effectiveFrom": "2026-01-01" }""" },
        { "category", $$"""{ "idNumber": "{{BeneficiaryTestData.IdNumber("140105", new DateOnly(1950, 1, 1), 999)}}", "name": "甲", "category": "poor", "effectiveFrom": "2026-01-01" }""" },
        { "divisionCode", $$"""{ "idNumber": "{{BeneficiaryTestData.IdNumber("140105", new DateOnly(1950, 1, 1), 999)}}", "name": "甲", "divisionCode": "99010", "category": "minimum-living", "effectiveFrom": "2026-01-01" }""" },
        { "effectiveFrom", $$"""{ "idNumber": "{{BeneficiaryTestData.IdNumber("140105", new DateOnly(1950, 1, 1), 999)}}", "name": "甲", "category": "minimum-living", "effectiveFrom": "1949-12-31" }""" },
        { "effectiveFrom", $$"""{ "idNumber": "{{BeneficiaryTestData.IdNumber("140105", new DateOnly(1950, 1, 1), 999)}}", "name": "甲", "category": "minimum-living", "effectiveFrom": "2026-02-30" }""" },
        { "effectiveFrom", $$"""{ "idNumber": "{{BeneficiaryTestData.IdNumber("140105", new DateOnly(1950, 1, 1), 999)}}", "name": "甲", "category": "minimum-living" }""" },
        { "active", $$"""{ "idNumber": "{{BeneficiaryTestData.IdNumber("140105", new DateOnly(1950, 1, 1), 999)}}", "name": "甲", "category": "minimum-living", "effectiveFrom": "2026-01-01", "active": "yes" }""" },
    };

    /// <summary>
    /// A NUL inside a text value is refused as the request's fault on every database (PostgreSQL cannot even compare
    /// such text; the fuzzer found it answering 500), whichever field carries it.
    /// </summary>
    [Fact]
    public async Task Create_WithANulInsideTheCategory_Is400_AndRegistersNothing()
    {
        using var operatorClient = App.Staff("operator");
        var before = await App.CountAsync<Beneficiaries.Beneficiary>();

        using var response = await operatorClient.PostAsJsonAsync(Route, NewRequest(
            BeneficiaryTestData.IdNumber("140105", new DateOnly(1950, 1, 1), 998), category: "minimum\u0000living"), Cancel);

        await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal(before, await App.CountAsync<Beneficiaries.Beneficiary>());
    }

    [Theory]
    [MemberData(nameof(InvalidCreations))]
    public async Task Create_InvalidField_Is400NamingIt_AndRegistersNothing(string field, string body)
    {
        using var operatorClient = App.Staff("operator");
        var before = await App.CountAsync<Beneficiaries.Beneficiary>();

        using var response = await operatorClient.PostAsync(Route, new StringContent(body, Encoding.UTF8, "application/json"), Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {problem}");
        Assert.Equal(before, await App.CountAsync<Beneficiaries.Beneficiary>());
    }

    [Fact]
    public async Task Search_ShowsIdNumbersMaskedOnly()
    {
        using var auditor = App.Staff("auditor");
        using var operatorClient = App.Staff("operator");
        var created = await CreateAsync(operatorClient);

        using var response = await auditor.GetAsync($"{Route}?idNumber={created.IdNumber}", Cancel);

        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(created.IdNumber, text, StringComparison.Ordinal);
        var page = System.Text.Json.JsonSerializer.Deserialize<Page<BeneficiaryListItem>>(text, System.Text.Json.JsonSerializerOptions.Web)!;
        var item = Assert.Single(page.Items);
        Assert.Equal(ResidentIdNumber.Mask(created.IdNumber), item.IdNumberMasked);
        Assert.Equal((created.Id, created.Name, created.DivisionCode, created.Category, true), (item.Id, item.Name, item.DivisionCode, item.Category, item.Active));
        Assert.Equal(1, page.Total);
    }

    [Fact]
    public async Task Search_FiltersByNameCategoryDivisionAndStatusToday()
    {
        using var operatorClient = App.Staff("operator");
        var tag = $"检索{BeneficiaryTestData.NextTag()}";
        var orphan = await CreateAsync(operatorClient, name: tag + "甲", category: DemoPolicy.Orphan, divisionCode: "140106");
        var leftLastYear = await CreateAsync(operatorClient, name: tag + "乙", category: DemoPolicy.MinimumLiving);
        await ChangeStatusAsync(operatorClient, leftLastYear.Id, new DateOnly(2025, 12, 31), DemoPolicy.MinimumLiving, active: false);
        var startsNextMonth = await CreateAsync(operatorClient, name: tag + "丙", category: DemoPolicy.MinimumLiving, effectiveFrom: MedicalAidApp.Today.AddDays(3));

        Assert.Equal([orphan.Id, leftLastYear.Id, startsNextMonth.Id], await SearchIdsAsync($"name={tag}"));
        Assert.Equal([orphan.Id], await SearchIdsAsync($"name={tag}甲"));
        Assert.Equal([orphan.Id], await SearchIdsAsync($"name={tag}&category={DemoPolicy.Orphan}"));
        Assert.Equal([orphan.Id], await SearchIdsAsync($"name={tag}&division=140106"));
        Assert.Equal([orphan.Id], await SearchIdsAsync($"name={tag}&status=active"));
        Assert.Equal([leftLastYear.Id, startsNextMonth.Id], await SearchIdsAsync($"name={tag}&status=inactive"));
        Assert.Equal([leftLastYear.Id], await SearchIdsAsync($"name={tag}&category={DemoPolicy.MinimumLiving}"));
        Assert.Equal([startsNextMonth.Id], await SearchIdsAsync($"idNumber={startsNextMonth.IdNumber}"));

        var demoInactive = (await SearchAsync("status=inactive&division=140109")).Items.Select(item => item.Name);
        Assert.Contains("周德明", demoInactive);
        Assert.DoesNotContain("李秀英", demoInactive);
    }

    [Fact]
    public async Task Search_PagesInIdOrderWithTheTotal()
    {
        using var operatorClient = App.Staff("operator");
        var tag = $"分页{BeneficiaryTestData.NextTag()}";
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await CreateAsync(operatorClient, name: $"{tag}{i}")).Id);
        }

        var first = await SearchAsync($"name={tag}&pageSize=2");
        var second = await SearchAsync($"name={tag}&pageSize=2&pageNumber=2");

        Assert.Equal((3L, 1, 2), (first.Total, first.PageNumber, first.PageSize));
        Assert.Equal(ids[..2], first.Items.Select(item => item.Id));
        Assert.Equal(ids[2..], second.Items.Select(item => item.Id));
    }

    [Theory]
    [InlineData("status=gone", "status")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=501", "pageSize")]
    [InlineData("pageNumber=0", "pageNumber")]
    public async Task Search_BadQuery_Is400NamingIt(string query, string field)
    {
        using var auditor = App.Staff("auditor");

        using var response = await auditor.GetAsync($"{Route}?{query}", Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task GetAndUpdate_UnknownBeneficiary_Are404()
    {
        using var operatorClient = App.Staff("operator");

        using var read = await operatorClient.GetAsync($"{Route}/987654321", Cancel);
        using var update = await operatorClient.PutAsJsonAsync($"{Route}/987654321", new UpdateBeneficiaryRequest { Name = "无", DivisionCode = "140109" }, Cancel);
        using var status = await operatorClient.PostAsJsonAsync($"{Route}/987654321/status-changes",
            new BeneficiaryStatusChangeRequest { EffectiveFrom = new DateOnly(2026, 1, 1), Category = DemoPolicy.Orphan, Active = true }, Cancel);

        await SettlementTests.AssertProblemAsync(read, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await SettlementTests.AssertProblemAsync(update, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await SettlementTests.AssertProblemAsync(status, HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task Update_ChangesNameAndDivisionButNeverTheIdNumber()
    {
        using var operatorClient = App.Staff("operator");
        var created = await CreateAsync(operatorClient);

        using var response = await operatorClient.PutAsJsonAsync($"{Route}/{created.Id}", new UpdateBeneficiaryRequest { Name = "改名后", DivisionCode = "140107" }, Cancel);
        using var invalid = await operatorClient.PutAsJsonAsync($"{Route}/{created.Id}", new UpdateBeneficiaryRequest { Name = "", DivisionCode = "1401x7" }, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = (await response.Content.ReadFromJsonAsync<BeneficiaryDetail>(Cancel))!;
        Assert.Equal((created.IdNumber, "改名后", "140107"), (updated.IdNumber, updated.Name, updated.DivisionCode));
        var problem = await SettlementTests.AssertProblemAsync(invalid, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("divisionCode", out _));
        var stored = await operatorClient.GetFromJsonAsync<BeneficiaryDetail>($"{Route}/{created.Id}", Cancel);
        Assert.Equal("改名后", stored!.Name);
    }

    [Fact]
    public async Task StatusChange_Inactive_RefusesSettlementsFromItsDateButNotBefore()
    {
        using var operatorClient = App.Staff("operator");
        var created = await CreateAsync(operatorClient, category: DemoPolicy.MinimumLiving, effectiveFrom: new DateOnly(2020, 1, 1));

        var changed = await ChangeStatusAsync(operatorClient, created.Id, new DateOnly(2026, 6, 1), DemoPolicy.MinimumLiving, active: false);

        Assert.False(changed.Active);
        Assert.Equal([(new DateOnly(2020, 1, 1), true), (new DateOnly(2026, 6, 1), false)], changed.StatusHistory.Select(entry => (entry.EffectiveFrom, entry.Active)));
        var patient = new PatientIdentity { IdNumber = created.IdNumber, Name = created.Name };
        using var h001 = App.Hospital();
        using var afterInactive = await h001.SettleAsync(Requests.Inpatient(patient, 1_000m, 1_000m, 500m));
        using var beforeInactive = await h001.SettleAsync(Requests.Inpatient(patient, 1_000m, 1_000m, 500m, dischargeDate: new DateOnly(2026, 5, 31)));
        await SettlementTests.AssertProblemAsync(afterInactive, HttpStatusCode.UnprocessableEntity, ProblemTypes.BeneficiaryNotEligible);
        Assert.Equal(HttpStatusCode.Created, beforeInactive.StatusCode);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Settle_RetriedAfterTheBeneficiaryWasDeactivated_ReplaysTheOriginalAnswer()
    {
        using var operatorClient = App.Staff("operator");
        var created = await CreateAsync(operatorClient, category: DemoPolicy.MinimumLiving, effectiveFrom: new DateOnly(2020, 1, 1));
        var patient = new PatientIdentity { IdNumber = created.IdNumber, Name = created.Name };
        using var h001 = App.Hospital();
        var request = Requests.Inpatient(patient, 1_000m, 1_000m, 500m);
        var key = Guid.NewGuid().ToString();
        using var original = await h001.SettleAsync(request, key);
        Assert.Equal(HttpStatusCode.Created, original.StatusCode);

        await ChangeStatusAsync(operatorClient, created.Id, new DateOnly(2026, 1, 1), DemoPolicy.MinimumLiving, active: false);
        using var retry = await h001.SettleAsync(request, key);
        using var fresh = await h001.SettleAsync(request with { VisitNumber = request.VisitNumber + "-B" });

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues(SettlementEndpoints.ReplayedHeader).Single());
        Assert.Equal(await original.Content.ReadAsStringAsync(Cancel), await retry.Content.ReadAsStringAsync(Cancel));
        await SettlementTests.AssertProblemAsync(fresh, HttpStatusCode.UnprocessableEntity, ProblemTypes.BeneficiaryNotEligible);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task StatusChange_Category_AppliesFromItsDateAndKeepsTheHistory()
    {
        using var operatorClient = App.Staff("operator");
        var created = await CreateAsync(operatorClient, category: DemoPolicy.MinimumLiving, effectiveFrom: new DateOnly(2020, 1, 1));

        var changed = await ChangeStatusAsync(operatorClient, created.Id, new DateOnly(2026, 7, 1), DemoPolicy.ExtremePoverty, active: true);

        Assert.Equal(DemoPolicy.ExtremePoverty, changed.Category);
        Assert.Equal([DemoPolicy.MinimumLiving, DemoPolicy.ExtremePoverty], changed.StatusHistory.Select(entry => entry.Category));
        using var h001 = App.Hospital();
        var before = await h001.GetFromJsonAsync<EligibilityResponse>($"/api/v1/eligibility/{created.IdNumber}?date=2026-06-30", Cancel);
        var after = await h001.GetFromJsonAsync<EligibilityResponse>($"/api/v1/eligibility/{created.IdNumber}?date=2026-07-01", Cancel);
        Assert.Equal(DemoPolicy.MinimumLiving, before!.Category);
        Assert.Equal(DemoPolicy.ExtremePoverty, after!.Category);
    }

    [Fact]
    public async Task StatusChange_UnknownCategoryOrBeforeBirth_Is400()
    {
        using var operatorClient = App.Staff("operator");
        var created = await CreateAsync(operatorClient);

        using var unknownCategory = await operatorClient.PostAsJsonAsync($"{Route}/{created.Id}/status-changes",
            new BeneficiaryStatusChangeRequest { EffectiveFrom = new DateOnly(2026, 1, 1), Category = "poor", Active = true }, Cancel);
        using var beforeBirth = await operatorClient.PostAsJsonAsync($"{Route}/{created.Id}/status-changes",
            new BeneficiaryStatusChangeRequest { EffectiveFrom = new DateOnly(1900, 1, 1), Category = DemoPolicy.Orphan, Active = true }, Cancel);

        var categoryProblem = await SettlementTests.AssertProblemAsync(unknownCategory, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        var dateProblem = await SettlementTests.AssertProblemAsync(beforeBirth, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(categoryProblem.GetProperty("errors").TryGetProperty("category", out _));
        Assert.True(dateProblem.GetProperty("errors").TryGetProperty("effectiveFrom", out _));
        var stored = await operatorClient.GetFromJsonAsync<BeneficiaryDetail>($"{Route}/{created.Id}", Cancel);
        Assert.Single(stored!.StatusHistory);
    }

    [Fact]
    public async Task EveryKindOfChange_IsAuditedWithWhoBeforeAndAfter_WithoutTheFullIdNumber()
    {
        using var operatorClient = App.Staff("operator", name: "登记员甲");
        var created = await CreateAsync(operatorClient, name: "审计前");
        using (var update = await operatorClient.PutAsJsonAsync($"{Route}/{created.Id}", new UpdateBeneficiaryRequest { Name = "审计后", DivisionCode = created.DivisionCode }, Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        await ChangeStatusAsync(operatorClient, created.Id, new DateOnly(2026, 10, 1), DemoPolicy.Orphan, active: true);
        var imported = BeneficiaryTestData.NextIdNumber();
        using (var import = await operatorClient.PostAsync($"{Route}/import",
            BeneficiaryTestData.Csv($"{BeneficiaryTestData.Header}\n{imported},导入者,orphan,2026-01-01,true,\n"), Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        }

        var entries = await AuditAsync($"entityId={created.Id}");
        Assert.Equal(["beneficiary.status-changed", "beneficiary.updated", "beneficiary.created"], entries.Select(entry => entry.Action));
        Assert.All(entries, entry => Assert.Equal("登记员甲", entry.Actor));
        Assert.All(entries, entry => Assert.DoesNotContain(created.IdNumber, (entry.Before ?? "") + entry.After, StringComparison.Ordinal));
        var (statusChanged, updated, registered) = (entries[0], entries[1], entries[2]);
        Assert.Null(registered.Before);
        Assert.Equal("审计前", Json(registered.After)["beneficiary"]!["name"]!.GetValue<string>());
        Assert.Equal(ResidentIdNumber.Mask(created.IdNumber), Json(registered.After)["beneficiary"]!["idNumberMasked"]!.GetValue<string>());
        Assert.Equal(DemoPolicy.MinimumLiving, Json(registered.After)["status"]!["category"]!.GetValue<string>());
        Assert.Equal("审计前", Json(updated.Before)["name"]!.GetValue<string>());
        Assert.Equal("审计后", Json(updated.After)["name"]!.GetValue<string>());
        Assert.Equal(DemoPolicy.MinimumLiving, Json(statusChanged.Before)["category"]!.GetValue<string>());
        Assert.Equal((DemoPolicy.Orphan, "2026-10-01"), (Json(statusChanged.After)["category"]!.GetValue<string>(), Json(statusChanged.After)["effectiveFrom"]!.GetValue<string>()));

        var importEntry = (await AuditAsync("entityId=import&action=beneficiary.imported"))[0];
        Assert.Equal("登记员甲", importEntry.Actor);
        Assert.Equal((1, "all-or-nothing"), (Json(importEntry.After)["imported"]!.GetValue<int>(), Json(importEntry.After)["mode"]!.GetValue<string>()));

        static JsonNode Json(string? text) => JsonNode.Parse(text!)!;
    }

    public static TheoryData<string, string, HttpStatusCode> AccessMatrix()
    {
        var data = new TheoryData<string, string, HttpStatusCode>();
        var reads = new[] { "search", "detail" };
        var writes = new[] { "create", "update", "status-change", "import" };
        foreach (var endpoint in reads.Concat(writes))
        {
            var isRead = reads.Contains(endpoint);
            data.Add("auditor", endpoint, isRead ? HttpStatusCode.OK : HttpStatusCode.Forbidden);
            data.Add("operator", endpoint, isRead ? HttpStatusCode.OK : SuccessOf(endpoint));
            data.Add("admin", endpoint, isRead ? HttpStatusCode.OK : SuccessOf(endpoint));
            data.Add("hospital", endpoint, HttpStatusCode.Forbidden);
            data.Add("none", endpoint, HttpStatusCode.Unauthorized);
        }

        return data;

        static HttpStatusCode SuccessOf(string endpoint) => endpoint is "create" or "status-change" ? HttpStatusCode.Created : HttpStatusCode.OK;
    }

    [Theory]
    [MemberData(nameof(AccessMatrix))]
    public async Task Endpoint_AnswersEachCallerByRole(string caller, string endpoint, HttpStatusCode expected)
    {
        using var admin = App.Staff("admin");
        var target = await CreateAsync(admin);
        using var client = caller switch
        {
            "hospital" => App.Hospital(),
            "none" => App.CreateClient(),
            _ => App.Staff(caller),
        };

        using var response = endpoint switch
        {
            "search" => await client.GetAsync($"{Route}?name={Uri.EscapeDataString(target.Name)}", Cancel),
            "detail" => await client.GetAsync($"{Route}/{target.Id}", Cancel),
            "create" => await client.PostAsJsonAsync(Route, NewRequest(BeneficiaryTestData.NextIdNumber()), Cancel),
            "update" => await client.PutAsJsonAsync($"{Route}/{target.Id}", new UpdateBeneficiaryRequest { Name = "改", DivisionCode = "140105" }, Cancel),
            "status-change" => await client.PostAsJsonAsync($"{Route}/{target.Id}/status-changes",
                new BeneficiaryStatusChangeRequest { EffectiveFrom = new DateOnly(2026, 11, 1), Category = DemoPolicy.Orphan, Active = true }, Cancel),
            "import" => await client.PostAsync($"{Route}/import",
                BeneficiaryTestData.Csv($"{BeneficiaryTestData.Header}\n{BeneficiaryTestData.NextIdNumber()},权限,orphan,2026-01-01,true,\n"), Cancel),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };

        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(expected == response.StatusCode, $"{caller} on {endpoint}: expected {expected}, got {response.StatusCode}: {body}");
        if (expected is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            await SettlementTests.AssertProblemAsync(response, expected,
                expected == HttpStatusCode.Forbidden ? ProblemTypes.Forbidden : ProblemTypes.Unauthorized);
            var after = await admin.GetFromJsonAsync<BeneficiaryDetail>($"{Route}/{target.Id}", Cancel);
            Assert.Equal((target.Name, target.DivisionCode, 1), (after!.Name, after.DivisionCode, after.StatusHistory.Count));
        }
    }

    private static CreateBeneficiaryRequest NewRequest(
        string idNumber, string? name = null, string category = DemoPolicy.MinimumLiving, string? divisionCode = null, DateOnly? effectiveFrom = null) =>
        new()
        {
            IdNumber = idNumber,
            Name = name ?? $"受助{BeneficiaryTestData.NextTag()}",
            Category = category,
            DivisionCode = divisionCode,
            EffectiveFrom = effectiveFrom ?? new DateOnly(2024, 1, 1),
        };

    private static async Task<BeneficiaryDetail> CreateAsync(
        HttpClient client, string? name = null, string category = DemoPolicy.MinimumLiving, string? divisionCode = null, DateOnly? effectiveFrom = null)
    {
        using var response = await client.PostAsJsonAsync(Route, NewRequest(BeneficiaryTestData.NextIdNumber(), name, category, divisionCode, effectiveFrom), Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BeneficiaryDetail>(Cancel))!;
    }

    private static async Task<BeneficiaryDetail> ChangeStatusAsync(HttpClient client, long id, DateOnly effectiveFrom, string category, bool active)
    {
        using var response = await client.PostAsJsonAsync($"{Route}/{id}/status-changes",
            new BeneficiaryStatusChangeRequest { EffectiveFrom = effectiveFrom, Category = category, Active = active }, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BeneficiaryDetail>(Cancel))!;
    }

    private async Task<Page<BeneficiaryListItem>> SearchAsync(string query)
    {
        using var auditor = App.Staff("auditor");
        return (await auditor.GetFromJsonAsync<Page<BeneficiaryListItem>>($"{Route}?{query}", Cancel))!;
    }

    private async Task<long[]> SearchIdsAsync(string query) => [.. (await SearchAsync(query)).Items.Select(item => item.Id)];

    private async Task<IReadOnlyList<AuditEntryResponse>> AuditAsync(string query)
    {
        using var admin = App.Staff("admin");
        return (await admin.GetFromJsonAsync<Page<AuditEntryResponse>>($"/api/v1/admin/audit?entityType=beneficiary&pageSize=100&{query}", Cancel))!.Items;
    }
}

/// <summary>ID numbers that neither the demo data nor other tests use (division 140105), and CSV bodies.</summary>
internal static class BeneficiaryTestData
{
    public const string Header = "idNumber,name,category,effectiveFrom,active,divisionCode";

    private static int nextIdNumber;
    private static int nextTag;

    public static string NextIdNumber()
    {
        var number = Interlocked.Increment(ref nextIdNumber);
        return IdNumber("140105", new DateOnly(1950, 1, 1).AddDays(number / 900), number % 900);
    }

    public static string IdNumber(string division, DateOnly birthDate, int sequence)
    {
        var first17 = $"{division}{birthDate:yyyyMMdd}{sequence:D3}";
        return first17 + ResidentIdNumber.ComputeCheckCharacter(first17);
    }

    /// <summary>A short tag that makes names unique across the tests of a run.</summary>
    public static string NextTag() => Interlocked.Increment(ref nextTag).ToString("D5", System.Globalization.CultureInfo.InvariantCulture);

    public static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");
}
