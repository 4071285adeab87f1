using System.Net;
using System.Net.Http.Json;
using System.Text;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Tests;

public sealed class SqliteImportTests(SqliteFixture fixture) : ImportTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresImportTests(PostgresFixture fixture) : ImportTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>The beneficiary CSV import: good and bad rows in both modes, line numbers, limits.</summary>
public abstract class ImportTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private const string Route = "/api/v1/admin/beneficiaries/import";
    private const string Registered = "140109196208150026";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Import_TwoThousandGoodRows_RegistersEveryOne()
    {
        var ids = Enumerable.Range(0, 2_000).Select(_ => BeneficiaryTestData.NextIdNumber()).ToArray();
        var csv = new StringBuilder(BeneficiaryTestData.Header).Append('\n');
        for (var i = 0; i < ids.Length; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{ids[i]},批量{i},{(i % 2 == 0 ? DemoPolicy.MinimumLiving : DemoPolicy.Orphan)},2024-01-01,{(i % 10 == 9 ? "false" : "true")},{(i % 3 == 0 ? "140107" : "")}\n");
        }

        Assert.True(Encoding.UTF8.GetByteCount(csv.ToString()) > 64 * 1024, "the file should be over the hospital API's 64 KiB limit");
        var before = await CountsAsync();
        using var operatorClient = App.Staff("operator");

        var report = await ImportAsync(operatorClient, csv.ToString());

        Assert.Equal((BeneficiaryImportMode.AllOrNothing, 2_000L, 2_000L, 0L, true), (report.Mode, report.RowsRead, report.Imported, report.Rejected, report.Committed));
        Assert.Empty(report.Errors);
        Assert.Equal((before.Beneficiaries + 2_000, before.StatusChanges + 2_000), await CountsAsync());
        var ninth = await DetailAsync(ids[9]);
        Assert.Equal(("批量9", "140107", DemoPolicy.Orphan, false), (ninth.Name, ninth.DivisionCode, ninth.Category, ninth.Active));
        var first = await DetailAsync(ids[1]);
        Assert.Equal(("批量1", ids[1][..6], DemoPolicy.Orphan, true), (first.Name, first.DivisionCode, first.Category, first.Active));
    }

    [Fact]
    public async Task Import_AllOrNothingWithBadRows_ImportsNothingAndReportsEveryBadLine()
    {
        var (csv, good) = MixedFile();
        var before = await CountsAsync();
        var importsAudited = await ImportAuditCountAsync();
        using var operatorClient = App.Staff("operator");

        var report = await ImportAsync(operatorClient, csv, "all-or-nothing");

        Assert.Equal((15L, 0L, 12L, false), (report.RowsRead, report.Imported, report.Rejected, report.Committed));
        AssertMixedFileErrors(report);
        Assert.Equal(before, await CountsAsync());
        Assert.Equal(importsAudited, await ImportAuditCountAsync());
        foreach (var idNumber in good)
        {
            Assert.False(await App.WithDbAsync(db => db.Beneficiaries.AnyAsync(beneficiary => beneficiary.IdNumber == idNumber, Cancel)));
        }
    }

    [Fact]
    public async Task Import_ValidRowsWithBadRows_ImportsTheGoodRowsAndReportsTheBadOnes()
    {
        var (csv, good) = MixedFile();
        var before = await CountsAsync();
        using var operatorClient = App.Staff("operator");

        var report = await ImportAsync(operatorClient, csv, "valid-rows");

        Assert.Equal((BeneficiaryImportMode.ValidRows, 15L, 3L, 12L, true), (report.Mode, report.RowsRead, report.Imported, report.Rejected, report.Committed));
        AssertMixedFileErrors(report);
        Assert.Equal((before.Beneficiaries + 3, before.StatusChanges + 3), await CountsAsync());
        var third = await DetailAsync(good[2]);
        Assert.Equal(("丙", "140107", DemoPolicy.Orphan, false), (third.Name, third.DivisionCode, third.Category, third.Active));
    }

    [Fact]
    public async Task Import_ExcelStyleFile_WithByteOrderMarkCrLfQuotesAndNoOptionalColumns_Imports()
    {
        var idNumber = BeneficiaryTestData.NextIdNumber();
        var csv = $"\uFEFFIdNumber, Name ,category,effectiveFrom\r\n{idNumber.ToLowerInvariant()},\"欧阳, 明\",{DemoPolicy.HeroicAct},2025-03-01\r\n";
        using var operatorClient = App.Staff("operator");

        var report = await ImportAsync(operatorClient, csv);

        Assert.True(report.Committed, string.Join("; ", report.Errors.Select(error => error.Reason)));
        Assert.Equal(1, report.Imported);
        var detail = await DetailAsync(idNumber);
        Assert.Equal(("欧阳, 明", idNumber[..6], DemoPolicy.HeroicAct, true), (detail.Name, detail.DivisionCode, detail.Category, detail.Active));
    }

    [Fact]
    public async Task Import_MoreThanAThousandBadRows_ListsTheFirstThousandAndCountsTheRest()
    {
        var csv = new StringBuilder(BeneficiaryTestData.Header).Append('\n');
        for (var i = 0; i < 1_005; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{BeneficiaryTestData.NextIdNumber()},错{i},poor,2024-01-01,true,\n");
        }

        using var operatorClient = App.Staff("operator");

        var report = await ImportAsync(operatorClient, csv.ToString(), "valid-rows");

        Assert.Equal((1_005L, 0L, 1_005L, 5L), (report.RowsRead, report.Imported, report.Rejected, report.ErrorsNotListed));
        Assert.Equal(1_000, report.Errors.Count);
        Assert.Equal((2L, 1_001L), (report.Errors[0].Line, report.Errors[^1].Line));
    }

    [Theory]
    [InlineData("idNumber,name,category\n")]
    [InlineData("idNumber,name,category,effectiveFrom,colour\n")]
    [InlineData("idNumber,name,name,category,effectiveFrom\n")]
    [InlineData("140109196208150026,李秀英,minimum-living,2024-01-01\n")]
    [InlineData("")]
    public async Task Import_UnusableHeader_Is400NamingTheHeader(string csv)
    {
        using var operatorClient = App.Staff("operator");

        using var response = await operatorClient.PostAsync(Route, BeneficiaryTestData.Csv(csv), Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("header", out _), problem.ToString());
    }

    [Fact]
    public async Task Import_UnknownMode_Is400NamingIt()
    {
        using var operatorClient = App.Staff("operator");

        using var response = await operatorClient.PostAsync($"{Route}?mode=best-effort", BeneficiaryTestData.Csv(BeneficiaryTestData.Header + "\n"), Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("mode", out _));
    }

    [Fact]
    public async Task Import_BodyThatIsNotCsv_Is415()
    {
        using var operatorClient = App.Staff("operator");

        using var response = await operatorClient.PostAsJsonAsync(Route, new { idNumber = Registered }, Cancel);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Import_AuditEntry_NamesWhoWasRegistered_ByMaskedIdNumber_FileHash_AndLines()
    {
        var ids = new[] { BeneficiaryTestData.NextIdNumber(), BeneficiaryTestData.NextIdNumber(), BeneficiaryTestData.NextIdNumber() };
        var csv = $"{BeneficiaryTestData.Header}\n{ids[0]},审计甲,{DemoPolicy.Orphan},2024-01-01,true,\n{ids[1]},审计乙,{DemoPolicy.Orphan},2024-01-01,true,\nnot-an-id,坏,{DemoPolicy.Orphan},2024-01-01,true,\n{ids[2]},审计丙,{DemoPolicy.Orphan},2024-01-01,true,\n";
        using var operatorClient = App.Staff("operator", "导入审计员");

        var report = await ImportAsync(operatorClient, csv, "valid-rows");

        Assert.Equal(3L, report.Imported);
        var entry = await App.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking()
            .Where(candidate => candidate.Action == "beneficiary.imported" && candidate.Actor == "导入审计员")
            .OrderByDescending(candidate => candidate.Id).FirstAsync(Cancel));
        using var after = System.Text.Json.JsonDocument.Parse(entry.After!);
        var root = after.RootElement;
        Assert.Equal(ids.Select(ResidentIdNumber.Mask), Property(root, "IdNumbersMasked").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(csv))), Property(root, "FileSha256").GetString());
        Assert.Equal(["2-3", "5"], Property(root, "ImportedLines").EnumerateArray().Select(line => line.GetString()));
        Assert.DoesNotContain(ids[0], entry.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_NameWithInvisibleCharacters_IsRejected_AndANfcNameIsStoredComposed()
    {
        var (hidden, decomposed) = (BeneficiaryTestData.NextIdNumber(), BeneficiaryTestData.NextIdNumber());
        var csv = $"{BeneficiaryTestData.Header}\n{hidden},李\u200b秀英,{DemoPolicy.Orphan},2024-01-01,true,\n{decomposed},Jose\u0301,{DemoPolicy.Orphan},2024-01-01,true,\n";
        using var operatorClient = App.Staff("operator");

        var report = await ImportAsync(operatorClient, csv, "valid-rows");

        var rejected = Assert.Single(report.Errors);
        Assert.Equal(2L, rejected.Line);
        Assert.Contains("name", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal("Jos\u00e9", (await DetailAsync(decomposed)).Name);
    }

    private static System.Text.Json.JsonElement Property(System.Text.Json.JsonElement element, string name) =>
        element.EnumerateObject().First(property => string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    [Fact]
    public async Task OtherStaffEndpoints_StillRefuseBodiesOver64KiB()
    {
        using var operatorClient = App.Staff("operator");
        var body = $$"""{ "idNumber": "{{BeneficiaryTestData.NextIdNumber()}}", "name": "{{new string('长', 30_000)}}", "category": "orphan", "effectiveFrom": "2024-01-01" }""";

        using var response = await operatorClient.PostAsync("/api/v1/admin/beneficiaries", new StringContent(body, Encoding.UTF8, "application/json"), Cancel);

        await SettlementTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge);
    }

    /// <summary>
    /// Three good rows (lines 2, 4, 14) among twelve bad ones, each bad in its own way, and an empty line (13).
    /// </summary>
    private static (string Csv, string[] Good) MixedFile()
    {
        var good = new[] { BeneficiaryTestData.NextIdNumber(), BeneficiaryTestData.NextIdNumber(), BeneficiaryTestData.NextIdNumber() };
        var wrongCheck = BeneficiaryTestData.NextIdNumber();
        wrongCheck = wrongCheck[..17] + (wrongCheck[17] == '0' ? '1' : '0');
        string Next() => BeneficiaryTestData.NextIdNumber();
        var lines = new[]
        {
            BeneficiaryTestData.Header,                                   // 1
            $"{good[0]},甲,minimum-living,2024-01-01,true,",             // 2
            $"{wrongCheck},坏号,minimum-living,2024-01-01,true,",        // 3 bad check character
            $"{good[1]},乙,extreme-poverty,2024-01-01,,",                // 4
            $"{Next()},无类,poor,2024-01-01,true,",                      // 5 unknown category
            $"{Next()},坏日,orphan,2026-02-30,true,",                    // 6 bad date
            $"{Next()},坏标,orphan,2024-01-01,maybe,",                   // 7 bad active flag
            $"{good[0]},重复,orphan,2024-01-01,true,",                   // 8 duplicate of line 2
            $"{Registered},李秀英,minimum-living,2024-01-01,true,",     // 9 already registered
            $"{Next()},,orphan,2024-01-01,true,",                        // 10 missing name
            $"{Next()},{new string('长', 65)},orphan,2024-01-01,true,",  // 11 name too long
            $"{Next()},缺列,orphan",                                     // 12 missing fields
            "",                                                          // 13 empty: skipped
            $"{good[2]},丙,orphan,2024-01-01,false,140107",              // 14
            $"{Next()},王\"五,orphan,2024-01-01,true,",                  // 15 stray quote
            $"{Next()},两错,poor,2024/01/01,true,",                      // 16 two problems
            ",无号,orphan,2024-01-01,true,",                             // 17 missing ID number
        };
        return (string.Join('\n', lines) + "\n", good);
    }

    private static void AssertMixedFileErrors(BeneficiaryImportReport report)
    {
        Assert.Equal([3L, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 17], report.Errors.Select(error => error.Line));
        Assert.Equal(0, report.ErrorsNotListed);
        var reasons = report.Errors.ToDictionary(error => error.Line, error => error.Reason);
        Assert.Contains(ResidentIdNumber.Describe(ResidentIdProblem.WrongCheckCharacter), reasons[3], StringComparison.Ordinal);
        Assert.StartsWith("category: unknown", reasons[5], StringComparison.Ordinal);
        Assert.StartsWith("effectiveFrom:", reasons[6], StringComparison.Ordinal);
        Assert.StartsWith("active:", reasons[7], StringComparison.Ordinal);
        Assert.Contains("duplicate in the file (first on line 2)", reasons[8], StringComparison.Ordinal);
        Assert.Contains("already registered", reasons[9], StringComparison.Ordinal);
        Assert.StartsWith("name: missing", reasons[10], StringComparison.Ordinal);
        Assert.Contains("at most 64 characters", reasons[11], StringComparison.Ordinal);
        Assert.Contains("number of fields", reasons[12], StringComparison.Ordinal);
        Assert.Contains("quot", reasons[15], StringComparison.Ordinal);
        Assert.Equal(2, reasons[16].Split("; ").Length);
        Assert.StartsWith("idNumber: missing", reasons[17], StringComparison.Ordinal);
        Assert.Equal(ResidentIdNumber.Mask(Registered), report.Errors.Single(error => error.Line == 9).IdNumberMasked);
        Assert.Null(report.Errors.Single(error => error.Line == 17).IdNumberMasked);
        Assert.DoesNotContain(report.Errors, error => error.Reason.Contains(Registered, StringComparison.Ordinal));
    }

    private static async Task<BeneficiaryImportReport> ImportAsync(HttpClient client, string csv, string? mode = null)
    {
        using var response = await client.PostAsync(mode is null ? Route : $"{Route}?mode={mode}", BeneficiaryTestData.Csv(csv), Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"import: {response.StatusCode}: {body}");
        return System.Text.Json.JsonSerializer.Deserialize<BeneficiaryImportReport>(body, System.Text.Json.JsonSerializerOptions.Web)!;
    }

    private async Task<BeneficiaryDetail> DetailAsync(string idNumber)
    {
        var id = await App.WithDbAsync(db => db.Beneficiaries.Where(beneficiary => beneficiary.IdNumber == idNumber).Select(beneficiary => beneficiary.Id).SingleAsync(Cancel));
        using var auditor = App.Staff("auditor");
        return (await auditor.GetFromJsonAsync<BeneficiaryDetail>($"/api/v1/admin/beneficiaries/{id}", Cancel))!;
    }

    private Task<(int Beneficiaries, int StatusChanges)> CountsAsync() =>
        App.WithDbAsync(async db => (await db.Beneficiaries.CountAsync(Cancel), await db.BeneficiaryStatusChanges.CountAsync(Cancel)));

    private Task<int> ImportAuditCountAsync() =>
        App.WithDbAsync(db => db.Set<AuditEntry>().CountAsync(entry => entry.Action == "beneficiary.imported", Cancel));
}
