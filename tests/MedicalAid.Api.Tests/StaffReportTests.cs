using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Reports;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;
using EngineVisitType = MedicalAid.Engine.VisitType;

namespace MedicalAid.Api.Tests;

public sealed class SqliteStaffReportTests(SqliteFixture fixture) : StaffReportTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresStaffReportTests(PostgresFixture fixture) : StaffReportTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>
/// Staff settlement search, the summary report and the exports. Each test settles on service dates of its own month of
/// 2026 and queries that month, so the tests of a class share one database without seeing each other's settlements.
/// </summary>
public abstract class StaffReportTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Search_FiltersSortsAndPagesWithTotal()
    {
        var (a, b) = (await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving), await App.NewBeneficiaryAsync(DemoPolicy.LowIncomeMarginal));
        using var h001 = App.Hospital(Keys.H001);
        using var h002 = App.Hospital(Keys.H002);
        var first = await SettleAsync(h001, Requests.Inpatient(a, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: new DateOnly(2026, 2, 10)));
        App.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await SettleAsync(h002, Requests.Outpatient(a, 800.00m, 700.00m, 300.00m, visitDate: new DateOnly(2026, 2, 11)));
        App.Clock.Advance(TimeSpan.FromSeconds(1));
        var third = await SettleAsync(h001, Requests.Inpatient(b, 9_000.00m, 8_000.00m, 4_500.00m, dischargeDate: new DateOnly(2026, 2, 12)));
        using (var reversal = await h001.ReverseAsync(third.SettlementId))
        {
            Assert.Equal(HttpStatusCode.Created, reversal.StatusCode);
        }

        using var auditor = App.Staff("auditor");
        const string month = "from=2026-02-01&to=2026-02-28";

        var all = await SearchAsync(auditor, month);
        Assert.Equal(3, all.Total);
        Assert.Equal([third.SettlementId, second.SettlementId, first.SettlementId], all.Items.Select(item => item.Id));

        var item = all.Items.Single(candidate => candidate.Id == first.SettlementId);
        Assert.Equal("H001", item.HospitalCode);
        Assert.Equal(first.VisitNumber, item.VisitNumber);
        Assert.Equal(Contracts.VisitType.Inpatient, item.VisitType);
        Assert.Equal(ResidentIdNumber.Mask(a.IdNumber), item.IdNumberMasked);
        Assert.DoesNotContain(a.IdNumber, item.IdNumberMasked, StringComparison.Ordinal);
        Assert.Equal(a.Name, item.Name);
        Assert.Equal(DemoPolicy.MinimumLiving, item.Category);
        Assert.Equal(new DateOnly(2026, 2, 10), item.ServiceDate);
        Assert.Equal(SettlementStatus.Settled, item.Status);
        Assert.Equal(first.FundsSettled, item.FundsSettled);
        Assert.Equal(first.AssistanceTotal, item.AssistanceTotal);
        Assert.Equal(first.PatientPays, item.PatientPays);

        Assert.Equal([first.SettlementId, third.SettlementId], (await SearchAsync(auditor, $"{month}&hospital=H001&sort=serviceDate&order=asc")).Items.Select(i => i.Id));
        Assert.Equal([second.SettlementId, first.SettlementId], (await SearchAsync(auditor, $"{month}&idNumber={a.IdNumber}")).Items.Select(i => i.Id));
        Assert.Equal([third.SettlementId], (await SearchAsync(auditor, $"{month}&name={Uri.EscapeDataString(b.Name)}")).Items.Select(i => i.Id));
        Assert.Equal([third.SettlementId], (await SearchAsync(auditor, $"{month}&category={DemoPolicy.LowIncomeMarginal}")).Items.Select(i => i.Id));
        Assert.Equal([third.SettlementId], (await SearchAsync(auditor, $"{month}&status=reversed")).Items.Select(i => i.Id));
        Assert.Equal([second.SettlementId], (await SearchAsync(auditor, $"{month}&visitType=outpatient")).Items.Select(i => i.Id));
        Assert.Equal(
            new[] { first, second, third }.Where(s => s.Channels[4].Amount > 0).Select(s => s.SettlementId).Order(),
            (await SearchAsync(auditor, $"{month}&channel=charity")).Items.Select(i => i.Id).Order());
        Assert.Equal(
            new[] { first, second, third }.Where(s => s.Channels[2].Amount > 0).Select(s => s.SettlementId).Order(),
            (await SearchAsync(auditor, $"{month}&channel=inpatient")).Items.Select(i => i.Id).Order());
        Assert.Empty((await SearchAsync(auditor, "from=2026-02-13&to=2026-02-28")).Items);

        var byFunds = new[] { first, second, third }.OrderBy(s => s.FundsSettled).ThenBy(s => s.SettlementId).Select(s => s.SettlementId).ToArray();
        var page1 = await SearchAsync(auditor, $"{month}&sort=fundsSettled&order=asc&pageSize=2");
        var page2 = await SearchAsync(auditor, $"{month}&sort=fundsSettled&order=asc&pageSize=2&pageNumber=2");
        Assert.Equal(3, page1.Total);
        Assert.Equal(3, page2.Total);
        Assert.Equal(2, page1.Items.Count);
        Assert.Single(page2.Items);
        Assert.Equal(byFunds.Select(id => id.ToString()), page1.Items.Concat(page2.Items).Select(i => i.Id.ToString()));
        Assert.Equal(
            new[] { first, second, third }.OrderByDescending(s => s.PatientPays).Select(s => s.PatientPays),
            (await SearchAsync(auditor, $"{month}&sort=patientPays")).Items.Select(i => i.PatientPays));
    }

    [Theory]
    [InlineData("sort=amount", "sort")]
    [InlineData("order=up", "order")]
    [InlineData("status=open", "status")]
    [InlineData("channel=fund", "channel")]
    [InlineData("visitType=daycare", "visitType")]
    [InlineData("from=2026-03-02&to=2026-03-01", "to")]
    [InlineData("pageSize=501", "pageSize")]
    public async Task Search_BadFilter_IsValidationProblemNamingTheField(string query, string field)
    {
        using var auditor = App.Staff("auditor");
        using var response = await auditor.GetAsync($"/api/v1/admin/settlements?{query}", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Cancel);
        Assert.Equal(ProblemTypes.Validation, problem!["type"]!.GetValue<string>());
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
    }

    [Fact]
    public async Task Detail_ShowsAnyHospitalsSettlementWithFullTrace()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        using var h002 = App.Hospital(Keys.H002);
        var settled = await SettleAsync(h002, Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: new DateOnly(2026, 3, 5)));
        using var auditor = App.Staff("auditor");

        var detail = await auditor.GetFromJsonAsync<SettlementResponse>($"/api/v1/admin/settlements/{settled.SettlementId}", Cancel);

        Assert.NotNull(detail);
        Assert.Equal(settled.SettlementId, detail.SettlementId);
        Assert.Equal("H002", detail.HospitalCode);
        Assert.Equal(5, detail.Channels.Count);
        Assert.Equal(settled.Channels.Select(c => (c.Channel, c.Amount)), detail.Channels.Select(c => (c.Channel, c.Amount)));
        Assert.Equal(settled.Channels[2].Trace, detail.Channels[2].Trace);
        Assert.NotEmpty(detail.Channels[2].Trace);
        Assert.Equal(ResidentIdNumber.Mask(patient.IdNumber), detail.Beneficiary.IdNumberMasked);

        using var missing = await auditor.GetAsync($"/api/v1/admin/settlements/{Guid.NewGuid()}", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(ProblemTypes.NotFound, (await missing.Content.ReadFromJsonAsync<JsonObject>(Cancel))!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/api/v1/admin/settlements")]
    [InlineData("/api/v1/admin/settlements/6f9619ff-8b86-d011-b42d-00cf4fc964ff")]
    [InlineData("/api/v1/admin/reports/summary?from=2026-01-01&to=2026-12-31")]
    [InlineData("/api/v1/admin/exports/settlements.csv")]
    [InlineData("/api/v1/admin/exports/settlements.xlsx")]
    [InlineData("/api/v1/admin/exports/summary.csv?from=2026-01-01&to=2026-12-31")]
    [InlineData("/api/v1/admin/exports/summary.xlsx?from=2026-01-01&to=2026-12-31")]
    public async Task StaffReads_HospitalKeyIsForbidden_NoCredentialsUnauthorized(string path)
    {
        using var auditor = App.Staff("auditor");
        using var operatorClient = App.Staff("operator");
        using var hospital = App.Hospital(Keys.H001);
        using var anonymous = App.CreateClient();

        using (var response = await auditor.GetAsync(path, Cancel))
        {
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"auditor got {response.StatusCode}");
        }

        using (var response = await operatorClient.GetAsync(path, Cancel))
        {
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"operator got {response.StatusCode}");
        }

        using (var response = await hospital.GetAsync(path, Cancel))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var response = await anonymous.GetAsync(path, Cancel))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task Summary_EqualsLedgerAndSettlements_WithReversalNettedOutAndDistinctPersons()
    {
        var a = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        var b = await App.NewBeneficiaryAsync(DemoPolicy.ExtremePoverty);
        var c = await App.NewBeneficiaryAsync(DemoPolicy.LowIncomeMarginal);
        using var h001 = App.Hospital(Keys.H001);
        using var h002 = App.Hospital(Keys.H002);
        var a1 = await SettleAsync(h001, Requests.Inpatient(a, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: new DateOnly(2026, 4, 10)));
        var a2 = await SettleAsync(h002, Requests.Outpatient(a, 800.00m, 700.00m, 300.00m, visitDate: new DateOnly(2026, 5, 2)));
        var b1 = await SettleAsync(h001, Requests.Inpatient(b, 12_345.67m, 11_000.00m, 6_000.00m, dischargeDate: new DateOnly(2026, 5, 3)));
        var c1 = await SettleAsync(h002, Requests.Inpatient(c, 9_000.00m, 8_000.00m, 4_500.00m, dischargeDate: new DateOnly(2026, 5, 4)));
        using (var reversal = await h002.ReverseAsync(c1.SettlementId))
        {
            Assert.Equal(HttpStatusCode.Created, reversal.StatusCode);
        }

        using var auditor = App.Staff("auditor");
        var report = await auditor.GetFromJsonAsync<SummaryReport>("/api/v1/admin/reports/summary?from=2026-04-01&to=2026-05-31", Cancel);

        // From the settlements the test made.
        Assert.NotNull(report);
        SettlementResponse[] counted = [a1, a2, b1];
        Assert.Equal(3, report.SettlementCount);
        Assert.Equal(1, report.ReversedCount);
        Assert.Equal(2, report.PersonCount);
        Assert.Equal(counted.Sum(s => s.FundsSettled), report.FundsSettled);
        Assert.Equal(
            Enumerable.Range(0, 5).Select(index => counted.Sum(s => s.Channels[index].Amount)),
            report.ByChannel.Select(channel => channel.Amount));
        Assert.Equal(Enum.GetValues<AssistanceChannel>(), report.ByChannel.Select(channel => channel.Channel));

        var h001Group = Assert.Single(report.ByHospital, group => group.Key == "H001");
        Assert.Equal((2L, 2L, a1.FundsSettled + b1.FundsSettled), (h001Group.SettlementCount, h001Group.PersonCount, h001Group.FundsSettled));
        var h002Group = Assert.Single(report.ByHospital, group => group.Key == "H002");
        Assert.Equal((1L, 1L, a2.FundsSettled), (h002Group.SettlementCount, h002Group.PersonCount, h002Group.FundsSettled));
        Assert.Equal(["2026-04", "2026-05"], report.ByMonth.Select(group => group.Key));
        Assert.Equal((1L, 1L, a1.FundsSettled), (report.ByMonth[0].SettlementCount, report.ByMonth[0].PersonCount, report.ByMonth[0].FundsSettled));
        Assert.Equal((2L, 2L, a2.FundsSettled + b1.FundsSettled), (report.ByMonth[1].SettlementCount, report.ByMonth[1].PersonCount, report.ByMonth[1].FundsSettled));
        Assert.Equal([DemoPolicy.ExtremePoverty, DemoPolicy.MinimumLiving], report.ByCategory.Select(group => group.Key));
        Assert.Equal(2L, report.ByCategory.Single(group => group.Key == DemoPolicy.MinimumLiving).SettlementCount);
        Assert.Equal(1L, report.ByCategory.Single(group => group.Key == DemoPolicy.MinimumLiving).PersonCount);

        // Every breakdown adds up to the total.
        foreach (var breakdown in new[] { report.ByHospital, report.ByCategory, report.ByMonth })
        {
            Assert.Equal(report.FundsSettled, breakdown.Sum(group => group.FundsSettled));
            Assert.Equal(report.SettlementCount, breakdown.Sum(group => group.SettlementCount));
            Assert.Equal(report.ByChannel.Select(c => c.Amount), Enumerable.Range(0, 5).Select(index => breakdown.Sum(group => group.ByChannel[index].Amount)));
        }

        // Independently, from the ledger: what the funds lost to these service dates' settlements, net of reversals.
        await AssertEqualsLedgerAsync(report);
        var year = await auditor.GetFromJsonAsync<SummaryReport>("/api/v1/admin/reports/summary?from=2026-01-01&to=2026-12-31", Cancel);
        await AssertEqualsLedgerAsync(year!);
    }

    [Fact]
    public async Task Summary_AnyRange_EqualsFiguresCountedFromTheSettlements()
    {
        // Whole months come from the rollups, partial months and persons across them from the settlements: every way of
        // cutting a range must give the figures counted here directly from the settlement rows.
        var a = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        var b = await App.NewBeneficiaryAsync(DemoPolicy.Orphan);
        using var h001 = App.Hospital(Keys.H001);
        using var h003 = App.Hospital(Keys.H003);
        await SettleAsync(h001, Requests.Outpatient(a, 600.00m, 500.00m, 200.00m, visitDate: new DateOnly(2025, 12, 20)));
        await SettleAsync(h003, Requests.Outpatient(a, 700.00m, 600.00m, 250.00m, visitDate: new DateOnly(2026, 10, 1)));
        await SettleAsync(h001, Requests.Inpatient(a, 15_000.00m, 14_000.00m, 8_000.00m, dischargeDate: new DateOnly(2026, 10, 17)));
        await SettleAsync(h001, Requests.Inpatient(b, 8_000.00m, 7_500.00m, 4_000.00m, dischargeDate: new DateOnly(2026, 10, 31)));
        var reversed = await SettleAsync(h003, Requests.Outpatient(b, 900.00m, 800.00m, 300.00m, visitDate: new DateOnly(2026, 11, 1)));
        await SettleAsync(h003, Requests.Outpatient(b, 400.00m, 400.00m, 100.00m, visitDate: new DateOnly(2026, 11, 1)));
        using (var reversal = await h003.ReverseAsync(reversed.SettlementId))
        {
            Assert.Equal(HttpStatusCode.Created, reversal.StatusCode);
        }

        using var auditor = App.Staff("auditor");
        foreach (var (from, to) in new[]
                 {
                     ("2026-10-01", "2026-11-30"), ("2026-10-01", "2026-10-31"), ("2026-10-02", "2026-11-15"), ("2026-10-17", "2026-10-17"),
                     ("2026-10-31", "2026-11-01"), ("2025-12-01", "2026-11-30"), ("2025-12-20", "2026-10-31"), ("2026-01-01", "2026-12-31"),
                     ("9999-12-31", "9999-12-31"), ("9999-12-01", "9999-12-31"), ("9999-11-15", "9999-12-31"), ("0001-01-01", "0001-01-31"),
                 })
        {
            var report = await auditor.GetFromJsonAsync<SummaryReport>($"/api/v1/admin/reports/summary?from={from}&to={to}", Cancel);
            Assert.NotNull(report);
            var expected = await CountFromSettlementsAsync(DateOnly.Parse(from, CultureInfo.InvariantCulture), DateOnly.Parse(to, CultureInfo.InvariantCulture));
            Assert.Equal(expected.Headline, (report.SettlementCount, report.ReversedCount, report.PersonCount, report.FundsSettled));
            Assert.Equal(expected.ByChannel, report.ByChannel.Select(channel => channel.Amount));
            Assert.Equal(expected.ByHospital, report.ByHospital.Select(Figures));
            Assert.Equal(expected.ByCategory, report.ByCategory.Select(Figures));
            Assert.Equal(expected.ByMonth, report.ByMonth.Select(Figures));
        }

        await App.AssertInvariantsAsync();

        static (string, long, long, decimal) Figures(SummaryGroup group) => (group.Key, group.SettlementCount, group.PersonCount, group.FundsSettled);
    }

    private async Task<ExpectedSummary> CountFromSettlementsAsync(DateOnly from, DateOnly to)
    {
        var rows = await App.WithDbAsync(db => db.Settlements.AsNoTracking()
            .Where(s => s.ServiceDate >= from && s.ServiceDate <= to)
            .ToListAsync());
        var settled = rows.Where(s => s.Status == SettlementState.Settled).ToList();
        IEnumerable<(string, long, long, decimal)> By(Func<Settlement, string> key) =>
            settled.GroupBy(key).OrderBy(group => group.Key, StringComparer.Ordinal)
                .Select(group => (group.Key, (long)group.Count(), (long)group.Select(s => s.BeneficiaryId).Distinct().Count(), group.Sum(s => s.FundsSettled.ToYuan())));
        return new ExpectedSummary(
            (settled.Count, rows.Count(s => s.Status == SettlementState.Reversed), settled.Select(s => s.BeneficiaryId).Distinct().Count(), settled.Sum(s => s.FundsSettled.ToYuan())),
            [settled.Sum(s => s.InsuranceSubsidy.ToYuan()), settled.Sum(s => s.Outpatient.ToYuan()), settled.Sum(s => s.Inpatient.ToYuan()), settled.Sum(s => s.Temporary.ToYuan()), settled.Sum(s => s.Charity.ToYuan())],
            By(s => s.HospitalCode).ToList(),
            By(s => s.CategoryCode).ToList(),
            By(s => $"{s.ServiceDate:yyyy-MM}").ToList());
    }

    private sealed record ExpectedSummary(
        (long, long, long, decimal) Headline,
        decimal[] ByChannel,
        List<(string, long, long, decimal)> ByHospital,
        List<(string, long, long, decimal)> ByCategory,
        List<(string, long, long, decimal)> ByMonth);

    [Theory]
    [InlineData("to=2026-01-31", "from")]
    [InlineData("from=2026-01-01", "to")]
    [InlineData("from=2026-02-01&to=2026-01-31", "to")]
    [InlineData("from=2020-01-01&to=2026-12-31", "to")]
    public async Task Summary_BadRange_IsValidationProblem(string query, string field)
    {
        using var auditor = App.Staff("auditor");
        using var response = await auditor.GetAsync($"/api/v1/admin/reports/summary?{query}", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Cancel);
        Assert.Equal(ProblemTypes.Validation, problem!["type"]!.GetValue<string>());
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
    }

    [Fact]
    public async Task CsvExport_HasChineseOrEnglishHeaderAndOneMaskedRowPerSettlement()
    {
        var a = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        var b = await App.NewBeneficiaryAsync(DemoPolicy.ExtremePoverty);
        using var h001 = App.Hospital(Keys.H001);
        var first = await SettleAsync(h001, Requests.Inpatient(a, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: new DateOnly(2026, 6, 10)));
        var second = await SettleAsync(h001, Requests.Outpatient(b, 812.34m, 700.00m, 300.00m, visitDate: new DateOnly(2026, 6, 11)));
        using var auditor = App.Staff("auditor");

        using var zh = await auditor.GetAsync("/api/v1/admin/exports/settlements.csv?from=2026-06-01&to=2026-06-30&sort=serviceDate&order=asc", Cancel);
        Assert.Equal(HttpStatusCode.OK, zh.StatusCode);
        Assert.Equal("text/csv", zh.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", zh.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("settlements.csv", zh.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await zh.Content.ReadAsByteArrayAsync(Cancel);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = Lines(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("结算编号,医院编码,就诊号,就诊类型,身份证号,姓名,救助类别,服务日期,状态,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{first.SettlementId},H001,{first.VisitNumber},住院,{ResidentIdNumber.Mask(a.IdNumber)},{a.Name},{DemoPolicy.MinimumLiving},2026-06-10,已结算,", lines[1], StringComparison.Ordinal);
        Assert.Contains($",{first.FundsSettled.ToString("0.00", CultureInfo.InvariantCulture)},", lines[1], StringComparison.Ordinal);
        Assert.StartsWith($"{second.SettlementId},H001,{second.VisitNumber},门诊,{ResidentIdNumber.Mask(b.IdNumber)},", lines[2], StringComparison.Ordinal);
        Assert.Contains(",812.34,", lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain(a.IdNumber, lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(b.IdNumber, lines[2], StringComparison.Ordinal);

        var en = Lines(await auditor.GetStringAsync("/api/v1/admin/exports/settlements.csv?from=2026-06-01&to=2026-06-30&lang=en", Cancel));
        Assert.Equal(3, en.Length);
        Assert.StartsWith("Settlement ID,Hospital,Visit number,Visit type,ID number,Name,Category,Service date,Status,", en[0].TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.Contains(en, line => line.Contains(",inpatient,", StringComparison.Ordinal) && line.Contains(",settled,", StringComparison.Ordinal));

        using var bad = await auditor.GetAsync("/api/v1/admin/exports/settlements.csv?lang=fr", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var summary = Lines(await auditor.GetStringAsync("/api/v1/admin/exports/summary.csv?from=2026-06-01&to=2026-06-30&lang=en", Cancel));
        Assert.StartsWith("Dimension,Key,Settlements,Persons,Funds settled,", summary[0].TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.StartsWith($"total,2026-06-01~2026-06-30,2,2,{(first.FundsSettled + second.FundsSettled).ToString("0.00", CultureInfo.InvariantCulture)},", summary[1], StringComparison.Ordinal);
        Assert.Contains(summary, line => line.StartsWith("hospital,H001,2,2,", StringComparison.Ordinal));
        Assert.Contains(summary, line => line.StartsWith("month,2026-06,2,2,", StringComparison.Ordinal));
        var summaryZh = Lines(await auditor.GetStringAsync("/api/v1/admin/exports/summary.csv?from=2026-06-01&to=2026-06-30", Cancel));
        Assert.StartsWith("维度,项目,结算笔数,人数,基金支付合计,", summaryZh[0].TrimStart('\uFEFF'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task XlsxExport_OpensWithMiniExcelAndHasTheRows()
    {
        var a = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        using var h001 = App.Hospital(Keys.H001);
        using var h002 = App.Hospital(Keys.H002);
        var first = await SettleAsync(h001, Requests.Inpatient(a, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: new DateOnly(2026, 7, 10)));
        var second = await SettleAsync(h002, Requests.Outpatient(a, 800.00m, 700.00m, 300.00m, visitDate: new DateOnly(2026, 7, 11)));
        using var auditor = App.Staff("auditor");

        using var response = await auditor.GetAsync("/api/v1/admin/exports/settlements.xlsx?from=2026-07-01&to=2026-07-31&sort=serviceDate&order=desc", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("settlements.xlsx", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var workbook = new MemoryStream(await response.Content.ReadAsByteArrayAsync(Cancel));
        var rows = workbook.Query(useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();

        Assert.Equal(2, rows.Count);
        Assert.Equal([second.SettlementId.ToString(), first.SettlementId.ToString()], rows.Select(row => Convert.ToString(row["结算编号"], CultureInfo.InvariantCulture)));
        Assert.All(rows, row => Assert.Equal(ResidentIdNumber.Mask(a.IdNumber), row["身份证号"]));
        Assert.Equal(first.FundsSettled, Convert.ToDecimal(rows[1]["基金支付合计"], CultureInfo.InvariantCulture));

        using var summaryResponse = await auditor.GetAsync("/api/v1/admin/exports/summary.xlsx?from=2026-07-01&to=2026-07-31&lang=en", Cancel);
        Assert.Equal(HttpStatusCode.OK, summaryResponse.StatusCode);
        using var summaryBook = new MemoryStream(await summaryResponse.Content.ReadAsByteArrayAsync(Cancel));
        var summary = summaryBook.Query(useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal("total", summary[0]["Dimension"]);
        // Money cells are numbers, so that a spreadsheet can add them up.
        Assert.Equal(first.FundsSettled + second.FundsSettled, Convert.ToDecimal(summary[0]["Funds settled"], CultureInfo.InvariantCulture));
        Assert.Contains(summary, row => Equals(row["Dimension"], "hospital") && Equals(row["Key"], "H002"));
    }

    /// <summary>
    /// Settlements put straight into the database (service year 2024, outside every other test's range), exported as
    /// CSV: the first bytes arrive before the body is complete, and the whole export is read in small chunks.
    /// MEDICALAID_EXPORT_ROWS sets the number (default 3,000); the peak working set is written to the test output.
    /// </summary>
    [Fact]
    public async Task LargeExport_IsStreamedRowByRow()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("MEDICALAID_EXPORT_ROWS"), out var configured) ? configured : 3_000;
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        await InsertSettlementsAsync(patient, count, new DateOnly(2024, 3, 1));
        using var auditor = App.Staff("auditor");
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var peakBefore = process.PeakWorkingSet64;
        var workingSetBefore = process.WorkingSet64;
        var started = Stopwatch.StartNew();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/admin/exports/settlements.csv?from=2024-01-01&to=2024-12-31");
        using var response = await auditor.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancel);
        var headersAfter = started.Elapsed;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync(Cancel);
        var buffer = new byte[8 * 1024];
        var firstRead = await body.ReadAsync(buffer, Cancel);
        var firstBytesAfter = started.Elapsed;
        Assert.True(firstRead > 0);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, buffer[..3]);

        long total = firstRead;
        var newlines = buffer.AsSpan(0, firstRead).Count((byte)'\n');
        int read;
        while ((read = await body.ReadAsync(buffer, Cancel)) > 0)
        {
            total += read;
            newlines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        process.Refresh();
        Assert.Equal(count + 1, newlines);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{App.Database.Provider}: {count} rows, {total:N0} bytes; headers after {headersAfter.TotalMilliseconds:N0} ms, first bytes after {firstBytesAfter.TotalMilliseconds:N0} ms, all after {started.Elapsed.TotalMilliseconds:N0} ms; " +
            $"peak working set {peakBefore / 1048576.0:N0} MiB before, {process.PeakWorkingSet64 / 1048576.0:N0} MiB after; " +
            $"working set {workingSetBefore / 1048576.0:N0} MiB before, {process.WorkingSet64 / 1048576.0:N0} MiB after");
        Assert.True(process.PeakWorkingSet64 - peakBefore < Math.Max(256L * 1024 * 1024, total * 2), "the export should not hold the whole result in memory");
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task OpenApi_DescribesTheStaffSearchReportAndExports()
    {
        using var client = App.CreateClient();
        var document = await client.GetFromJsonAsync<JsonObject>("/swagger/v1/swagger.json", Cancel);
        var paths = document!["paths"]!.AsObject();
        foreach (var path in new[] { "/api/v1/admin/settlements", "/api/v1/admin/settlements/{id}", "/api/v1/admin/reports/summary",
                     "/api/v1/admin/exports/settlements.csv", "/api/v1/admin/exports/settlements.xlsx", "/api/v1/admin/exports/summary.csv", "/api/v1/admin/exports/summary.xlsx" })
        {
            Assert.True(paths.ContainsKey(path), path);
        }

        var parameters = paths["/api/v1/admin/settlements"]!["get"]!["parameters"]!.AsArray().Select(parameter => parameter!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["from", "to", "hospital", "idNumber", "name", "category", "channel", "status", "visitType", "sort", "order", "pageNumber", "pageSize"], parameters);
    }

    private async Task AssertEqualsLedgerAsync(SummaryReport report)
    {
        var ledger = await App.WithDbAsync(async db =>
        {
            var settlementIds = db.Settlements.Where(s => s.ServiceDate >= report.From && s.ServiceDate <= report.To).Select(s => (Guid?)s.Id);
            var entries = await db.LedgerEntries.AsNoTracking()
                .Where(entry => (entry.Kind == Funds.LedgerEntryKind.SettlementDebit || entry.Kind == Funds.LedgerEntryKind.ReversalCredit) && settlementIds.Contains(entry.SettlementId))
                .Select(entry => new { entry.Channel, entry.Amount, entry.SettlementId, entry.Kind, entry.HospitalId })
                .ToListAsync();
            var hospitals = await db.Hospitals.AsNoTracking().ToDictionaryAsync(hospital => hospital.Id, hospital => hospital.Code);
            return entries.Select(entry => (entry.Channel, Fen: -entry.Amount.Fen, entry.SettlementId, entry.Kind, Hospital: hospitals[entry.HospitalId!.Value])).ToList();
        });

        var byChannel = Channels.InSettlementOrder.Select(channel => new Money(ledger.Where(entry => entry.Channel == channel).Sum(entry => entry.Fen)).ToYuan());
        Assert.Equal(byChannel, report.ByChannel.Select(channel => channel.Amount));
        Assert.Equal(new Money(ledger.Sum(entry => entry.Fen)).ToYuan(), report.FundsSettled);
        foreach (var group in report.ByHospital)
        {
            Assert.Equal(new Money(ledger.Where(entry => entry.Hospital == group.Key).Sum(entry => entry.Fen)).ToYuan(), group.FundsSettled);
        }

        // A settlement with a debit and no credit is one that counts; a reversed one has both. (One that paid nothing has no
        // ledger entry, so the counts come from the settlements themselves.)
        var reversed = ledger.Where(entry => entry.Kind == Funds.LedgerEntryKind.ReversalCredit).Select(entry => entry.SettlementId).ToHashSet();
        var paidAndStanding = ledger.Where(entry => entry.Kind == Funds.LedgerEntryKind.SettlementDebit && !reversed.Contains(entry.SettlementId)).Select(entry => entry.SettlementId).Distinct().Count();
        Assert.True(report.SettlementCount >= paidAndStanding, $"{report.SettlementCount} settlements but {paidAndStanding} in the ledger");
        var rows = await App.WithDbAsync(db => db.Settlements.AsNoTracking()
            .Where(s => s.ServiceDate >= report.From && s.ServiceDate <= report.To)
            .Select(s => new { s.BeneficiaryId, s.Status, s.HospitalCode })
            .ToListAsync());
        var standing = rows.Where(row => row.Status == SettlementState.Settled).ToList();
        Assert.Equal(standing.Count, report.SettlementCount);
        Assert.Equal(rows.Count - standing.Count, report.ReversedCount);
        Assert.Equal(standing.Select(row => row.BeneficiaryId).Distinct().Count(), report.PersonCount);
        Assert.Equal(
            standing.GroupBy(row => row.HospitalCode).OrderBy(group => group.Key, StringComparer.Ordinal).Select(group => (group.Key, (long)group.Select(row => row.BeneficiaryId).Distinct().Count())),
            report.ByHospital.Select(group => (group.Key, group.PersonCount)));
    }

    private async Task InsertSettlementsAsync(PatientIdentity patient, int count, DateOnly firstDate) =>
        await App.WithDbAsync(async db =>
        {
            var hospital = await db.Hospitals.SingleAsync(candidate => candidate.Code == "H001");
            var beneficiary = await db.Beneficiaries.SingleAsync(candidate => candidate.IdNumber == patient.IdNumber);
            var policyId = await db.PolicyVersions.Select(policy => policy.Id).FirstAsync();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var index = 0; index < count; index++)
            {
                var fen = 10_000L + index;
                var settlement = new Settlement
                {
                    Id = Guid.NewGuid(),
                    HospitalId = hospital.Id,
                    HospitalCode = hospital.Code,
                    IdempotencyKey = $"bulk-{Guid.NewGuid():N}",
                    VisitNumber = $"BULK{index:D9}-{Guid.NewGuid():N}"[..24],
                    VisitType = EngineVisitType.Outpatient,
                    BeneficiaryId = beneficiary.Id,
                    IdNumber = beneficiary.IdNumber,
                    BeneficiaryName = beneficiary.Name,
                    CategoryCode = DemoPolicy.MinimumLiving,
                    ServiceDate = firstDate.AddDays(index % 200),
                    ServiceYear = firstDate.Year,
                    VisitDate = firstDate.AddDays(index % 200),
                    DiagnosisCodes = "E11.9",
                    PolicyVersionId = policyId,
                    PolicyCode = "bulk",
                    Total = new Money(fen * 2),
                    PolicyScope = new Money(fen * 2),
                    Outpatient = new Money(fen),
                    AssistanceTotal = new Money(fen),
                    FundsSettled = new Money(fen),
                    PatientPays = new Money(fen),
                    ChannelDetails = "[]",
                    Status = SettlementState.Settled,
                    SettledAt = MedicalAidApp.Now.AddDays(-600).AddSeconds(index),
                };
                db.Settlements.Add(settlement);
                // The report's rollups, kept by the same code the settlement service runs.
                var rollups = new RawSql();
                ReportRollups.AppendSettled(rollups, settlement);
                await rollups.ExecuteAsync(db, Cancel);
                if (index % 5_000 == 4_999)
                {
                    await db.SaveChangesAsync();
                    db.ChangeTracker.Clear();
                }
            }

            await db.SaveChangesAsync();
        });

    private static string[] Lines(string text) => text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

    private static async Task<Page<SettlementListItem>> SearchAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"/api/v1/admin/settlements?{query}", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Page<SettlementListItem>>(Cancel))!;
    }

    private static async Task<SettlementResponse> SettleAsync(HttpClient hospital, SettlementRequest request)
    {
        using var response = await hospital.SettleAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
    }
}
