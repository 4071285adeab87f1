using System.Globalization;
using System.Net.Http.Json;
using MedicalAid.Api.Demo;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Console.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.Playwright;
using MiniExcelLibs;

namespace MedicalAid.Console.Tests;

public sealed class SqliteConsoleTests(SqliteConsoleFixture fixture) : ConsoleTests(fixture), IClassFixture<SqliteConsoleFixture>;

public sealed class PostgresConsoleTests(PostgresConsoleFixture fixture) : ConsoleTests(fixture), IClassFixture<PostgresConsoleFixture>;

/// <summary>
/// The staff console in a real browser (Debian's Chromium through Playwright) against the service on Kestrel with
/// demo data: signing in, the pages' figures against the API's, scope, downloads, accessibility (axe) and no errors
/// in the browser's console.
/// </summary>
public abstract class ConsoleTests
{
    private readonly ConsoleFixture fixture;

    protected ConsoleTests(ConsoleFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
        this.fixture = fixture;
    }

    private MedicalAidApp App => fixture.App;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("demo-auditor", "市级审计员")]
    [InlineData("demo-district", "万柏林区经办审批")]
    [InlineData("demo-clerk", "千峰街道经办员")]
    [InlineData("demo-township", "千峰街道经办审批")]
    public async Task DemoAccount_SignsIn_AndLandsOnTheDashboard(string username, string displayName)
    {
        await using var page = await ConsolePage.OpenAsync(fixture);

        await page.SignInAsync(username, DemoSeeder.StaffPassword);

        await Assertions.Expect(page.Page.GetByTestId("signed-in-as")).ToContainTextAsync(displayName);
        await page.Page.GetByTestId("funds").WaitForAsync();
        AssertNoErrors(page);
    }

    [Fact]
    public async Task DemoAdmin_EnrolsItsAuthenticatorInTheBrowser_ThenSeesTheAuditTrail()
    {
        await using var page = await ConsolePage.OpenAsync(fixture);
        await page.Page.GotoAsync("/console/sign-in");
        await page.Page.FillAsync("input[name=username]", "demo-admin");
        await page.Page.FillAsync("input[name=password]", DemoSeeder.StaffPassword);
        await page.Page.ClickAsync("button[type=submit]");
        await page.Page.WaitForURLAsync("**/console/account/two-factor");

        var key = await page.Page.Locator("[data-key]").InnerTextAsync();
        await page.Page.FillAsync("input[name=code]", Totp.Code(key, DateTimeOffset.UtcNow));
        await page.Page.ClickAsync("button[type=submit]");
        await page.Page.GetByText("恢复码").First.WaitForAsync();
        await page.GoToAsync("/console/audit", "[data-testid=audit-count]");

        await Assertions.Expect(page.Page.Locator("h1")).ToHaveTextAsync("操作日志");
        AssertNoErrors(page);
    }

    [Fact]
    public async Task Dashboard_ShowsTheFundsAsTheFundsEndpointDoes()
    {
        using var staff = App.Staff("auditor");
        var year = MedicalAidApp.Today.Year;
        var funds = (await staff.GetFromJsonAsync<FundBalanceResponse[]>($"/api/v1/admin/funds?year={year}", Cancel))!;
        await using var page = await ConsolePage.OpenAsync(fixture);

        await page.SignInAsync("demo-auditor", DemoSeeder.StaffPassword);

        var table = page.Page.GetByTestId("funds");
        await table.WaitForAsync();
        foreach (var fund in funds)
        {
            var row = table.Locator($"tr[data-channel={fund.Channel}]");
            await Assertions.Expect(row.Locator("[data-field=received]")).ToHaveTextAsync(Yuan(fund.Received));
            await Assertions.Expect(row.Locator("[data-field=paid]")).ToHaveTextAsync(Yuan(fund.Paid));
            await Assertions.Expect(row.Locator("[data-field=balance]")).ToHaveTextAsync(Yuan(fund.Balance));
        }

        AssertNoErrors(page);
    }

    [Fact]
    public async Task TheFirstWorkedExample_SettledByAHospital_IsFoundWithItsChannelsAndReasonsInWords()
    {
        // docs/design.md §3's first example: 李秀英 (minimum living), inpatient at a secondary hospital.
        using var hospital = App.Hospital(Keys.H001);
        var request = Requests.Inpatient(new PatientIdentity { IdNumber = "140109196208150026", Name = "李秀英" }, 20000.00m, 18000.00m, 10000.00m);
        using var settled = await hospital.SettleAsync(request);
        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
        await using var page = await ConsolePage.OpenAsync(fixture);
        await page.SignInAsync("demo-clerk", DemoSeeder.StaffPassword);

        await page.GoToAsync("/console/settlements", "[data-testid=settlements]");
        await page.Page.GetByLabel("身份证号").FillAsync("140109196208150026");
        await page.Page.GetByTestId("search").ClickAsync();
        await page.Page.Locator($"tr[data-settlement='{settlement.SettlementId}'] a").ClickAsync();
        await page.Page.GetByTestId("waterfall").WaitForAsync();

        var waterfall = page.Page.GetByTestId("waterfall");
        await Assertions.Expect(waterfall.Locator("[data-field=total]")).ToHaveTextAsync("¥20,000.00");
        await Assertions.Expect(waterfall.Locator("[data-field=inpatient]")).ToHaveTextAsync("¥6,000.00");
        await Assertions.Expect(waterfall.Locator("[data-field=temporary]")).ToHaveTextAsync("¥500.00");
        await Assertions.Expect(waterfall.Locator("[data-field=charity]")).ToHaveTextAsync("¥1,050.00");
        await Assertions.Expect(waterfall.Locator("[data-field=patientPays]")).ToHaveTextAsync("¥2,450.00");
        var temporary = page.Page.Locator("section[data-channel=Temporary]");
        await Assertions.Expect(temporary.Locator("[data-field=reasons]")).ToContainTextAsync("已达年度限额");
        await Assertions.Expect(page.Page.Locator("h1")).ToContainTextAsync(request.VisitNumber.ToUpperInvariant());
        AssertNoErrors(page);
    }

    [Fact]
    public async Task ATownshipAccount_DoesNotFindTheNeighbouringTownshipsSettlement()
    {
        // 杨敏 lives in 兴华街道; demo-clerk works in 千峰街道.
        using var hospital = App.Hospital(Keys.H002);
        using var settled = await hospital.SettleAsync(Requests.Outpatient(new PatientIdentity { IdNumber = "140109199205060061", Name = "杨敏" }, 800.00m, 700.00m, 300.00m));
        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
        await using var page = await ConsolePage.OpenAsync(fixture);
        await page.SignInAsync("demo-clerk", DemoSeeder.StaffPassword);

        await page.GoToAsync("/console/settlements", "[data-testid=settlements]");
        await page.Page.GetByLabel("身份证号").FillAsync("140109199205060061");
        await page.Page.GetByTestId("search").ClickAsync();
        await Assertions.Expect(page.Page.GetByTestId("settlements")).ToContainTextAsync("没有符合条件的结算");
        await page.GoToAsync($"/console/settlements/{settlement.SettlementId}", "[data-testid=not-found]");

        await using var district = await ConsolePage.OpenAsync(fixture);
        await district.SignInAsync("demo-district", DemoSeeder.StaffPassword);
        await district.GoToAsync($"/console/settlements/{settlement.SettlementId}", "[data-testid=waterfall]");
        AssertNoErrors(page);
        AssertNoErrors(district);
    }

    [Fact]
    public async Task Reports_MatchTheSummaryEndpoint_AndTheDownloadsHoldTheSameTotals()
    {
        using var hospital = App.Hospital(Keys.H003);
        using var settled = await hospital.SettleAsync(Requests.Inpatient(new PatientIdentity { IdNumber = "140109196609300080", Name = "黄丽华" }, 30000.00m, 28000.00m, 12000.00m));
        var from = new DateOnly(MedicalAidApp.Today.Year, 1, 1);
        using var staff = App.Staff("auditor");
        var expected = (await staff.GetFromJsonAsync<SummaryReport>($"/api/v1/admin/reports/summary?from={from:yyyy-MM-dd}&to={MedicalAidApp.Today:yyyy-MM-dd}", Cancel))!;
        Assert.True(expected.FundsSettled > 0);
        await using var page = await ConsolePage.OpenAsync(fixture);
        await page.SignInAsync("demo-auditor", DemoSeeder.StaffPassword);

        await page.GoToAsync("/console/reports", "[data-testid=report-totals]");

        var totals = page.Page.GetByTestId("report-totals");
        await Assertions.Expect(totals.Locator("[data-field=funds-settled]")).ToHaveTextAsync(Yuan(expected.FundsSettled));
        await Assertions.Expect(totals.Locator("[data-field=settlements]")).ToHaveTextAsync(expected.SettlementCount.ToString("#,##0", CultureInfo.InvariantCulture));
        await Assertions.Expect(totals.Locator("[data-field=persons]")).ToHaveTextAsync(expected.PersonCount.ToString("#,##0", CultureInfo.InvariantCulture));
        foreach (var group in expected.ByHospital)
        {
            await Assertions.Expect(page.Page.Locator($"[data-testid=by-hospital] tr[data-key={group.Key}] [data-field=funds-settled]")).ToHaveTextAsync(Yuan(group.FundsSettled));
        }

        var csv = await page.Page.RunAndWaitForDownloadAsync(() => page.Page.GetByTestId("download-csv").ClickAsync());
        var csvLines = await File.ReadAllLinesAsync((await csv.PathAsync())!, Cancel);
        var header = csvLines[0].TrimStart('\uFEFF').Split(',');
        var total = csvLines[1].Split(',');
        Assert.Equal("合计", total[0]);
        Assert.Equal(expected.FundsSettled, decimal.Parse(total[Array.IndexOf(header, "基金支付合计")], CultureInfo.InvariantCulture));
        Assert.Equal(expected.SettlementCount, long.Parse(total[Array.IndexOf(header, "结算笔数")], CultureInfo.InvariantCulture));

        var xlsx = await page.Page.RunAndWaitForDownloadAsync(() => page.Page.GetByTestId("download-xlsx").ClickAsync());
        var rows = MiniExcel.Query((await xlsx.PathAsync())!, useHeaderRow: true, excelType: ExcelType.XLSX).Cast<IDictionary<string, object>>().ToList();
        Assert.Equal("合计", rows[0]["维度"]);
        Assert.IsNotType<string>(rows[0]["基金支付合计"]);
        Assert.Equal(expected.FundsSettled, Convert.ToDecimal(rows[0]["基金支付合计"], CultureInfo.InvariantCulture));
        using (var workbook = System.IO.Compression.ZipFile.OpenRead((await xlsx.PathAsync())!))
        {
            using var styles = new StreamReader(workbook.GetEntry("xl/styles.xml")!.Open());
            Assert.Contains("#,##0.00", await styles.ReadToEndAsync(Cancel), StringComparison.Ordinal);
        }

        AssertNoErrors(page);
    }

    [Fact]
    public async Task ATownshipsReport_MatchesTheSummaryEndpointForThatTownship_NotTheCitys()
    {
        // 陈志强 lives in 千峰街道, 赵小宇 in 兴华街道: the township's report counts only the first.
        using var hospital = App.Hospital(Keys.H002);
        using (await hospital.SettleAsync(Requests.Outpatient(new PatientIdentity { IdNumber = "140109195010010058", Name = "陈志强" }, 700.00m, 650.00m, 250.00m)))
        using (await hospital.SettleAsync(Requests.Outpatient(new PatientIdentity { IdNumber = "140109201503090074", Name = "赵小宇" }, 900.00m, 850.00m, 300.00m)))
        {
        }

        var from = new DateOnly(MedicalAidApp.Today.Year, 1, 1);
        var range = $"from={from:yyyy-MM-dd}&to={MedicalAidApp.Today:yyyy-MM-dd}";
        using var township = App.Staff("operator", "街道", unit: DemoSeeder.Qianfeng);
        using var city = App.Staff("auditor", "市");
        var expected = (await township.GetFromJsonAsync<SummaryReport>($"/api/v1/admin/reports/summary?{range}", Cancel))!;
        var cityWide = (await city.GetFromJsonAsync<SummaryReport>($"/api/v1/admin/reports/summary?{range}", Cancel))!;
        Assert.True(expected.FundsSettled > 0 && expected.FundsSettled < cityWide.FundsSettled);
        await using var page = await ConsolePage.OpenAsync(fixture);
        await page.SignInAsync("demo-clerk", DemoSeeder.StaffPassword);

        await page.GoToAsync("/console/reports", "[data-testid=report-totals]");

        var totals = page.Page.GetByTestId("report-totals");
        await Assertions.Expect(totals.Locator("[data-field=funds-settled]")).ToHaveTextAsync(Yuan(expected.FundsSettled));
        await Assertions.Expect(totals.Locator("[data-field=persons]")).ToHaveTextAsync(expected.PersonCount.ToString("#,##0", CultureInfo.InvariantCulture));
        var csv = await page.Page.RunAndWaitForDownloadAsync(() => page.Page.GetByTestId("download-csv").ClickAsync());
        var lines = await File.ReadAllLinesAsync((await csv.PathAsync())!, Cancel);
        var header = lines[0].TrimStart('\uFEFF').Split(',');
        Assert.Equal(expected.FundsSettled, decimal.Parse(lines[1].Split(',')[Array.IndexOf(header, "基金支付合计")], CultureInfo.InvariantCulture));
        AssertNoErrors(page);
    }

    [Fact]
    public async Task TheLanguageSwitch_ShowsEnglish_AndIsRemembered()
    {
        await using var page = await ConsolePage.OpenAsync(fixture);
        await page.SignInAsync("demo-clerk", DemoSeeder.StaffPassword);

        await page.Page.GetByTestId("language-switch").ClickAsync();
        await Assertions.Expect(page.Page.Locator("h1")).ToHaveTextAsync("Dashboard");
        await page.GoToAsync("/console/settlements", "[data-testid=settlements]");

        await Assertions.Expect(page.Page.Locator("h1")).ToHaveTextAsync("Settlements");
        await page.Page.GetByTestId("language-switch").ClickAsync();
        await Assertions.Expect(page.Page.Locator("h1")).ToHaveTextAsync("结算查询");
        AssertNoErrors(page);
    }

    [Theory]
    [InlineData(1366, 768)]
    [InlineData(390, 844)]
    public async Task EveryPage_HasNoSeriousAccessibilityViolations_AndFitsTheScreen(int width, int height)
    {
        using var hospital = App.Hospital(Keys.H001);
        using var settled = await hospital.SettleAsync(Requests.Outpatient(new PatientIdentity { IdNumber = "14010919550312001X", Name = "王建国" }, 600.00m, 500.00m, 200.00m));
        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
        var beneficiaryId = await App.WithDbAsync(db => Task.FromResult(db.Beneficiaries.Single(person => person.IdNumber == "14010919550312001X").Id));
        await using var page = await ConsolePage.OpenAsync(fixture, width, height);
        await page.SignInAsync("demo-district", DemoSeeder.StaffPassword);
        await using var auditor = await ConsolePage.OpenAsync(fixture, width, height);
        await auditor.SignInAsync("demo-auditor", DemoSeeder.StaffPassword);

        var pages = new (ConsolePage Page, string Path, string Ready)[]
        {
            (page, "/console", "[data-testid=funds]"),
            (page, "/console/settlements", "[data-testid=settlements]"),
            (page, $"/console/settlements/{settlement.SettlementId}", "[data-testid=waterfall]"),
            (page, $"/console/beneficiaries/{beneficiaryId}", "[data-testid=usage]"),
            (page, "/console/reports", "[data-testid=report-totals]"),
            (auditor, "/console/audit", "h1"),
            (page, "/console/account", "h1"),
            (page, "/console/account/password", "h1"),
        };
        var problems = new List<string>();
        foreach (var (console, path, ready) in pages)
        {
            await console.GoToAsync(path, ready);
            problems.AddRange((await console.SeriousAccessibilityViolationsAsync()).Select(violation => $"{path}: {violation}"));
            var overflow = await console.Page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
            if (overflow > 1)
            {
                problems.Add($"{path}: the page is {overflow} px wider than a {width}-pixel screen");
            }
        }

        await using var signedOut = await ConsolePage.OpenAsync(fixture, width, height);
        await signedOut.Page.GotoAsync("/console/sign-in");
        problems.AddRange((await signedOut.SeriousAccessibilityViolationsAsync()).Select(violation => $"/console/sign-in: {violation}"));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        AssertNoErrors(page);
        AssertNoErrors(auditor);
        AssertNoErrors(signedOut);
    }

    [Fact]
    public async Task Keyboard_ReachesTheMenuAndTheSearch_WithoutAMouse()
    {
        await using var page = await ConsolePage.OpenAsync(fixture);
        await page.SignInAsync("demo-clerk", DemoSeeder.StaffPassword);
        await page.GoToAsync("/console/settlements", "[data-testid=settlements]");

        var focused = new List<string>();
        for (var press = 0; press < 30; press++)
        {
            await page.Page.Keyboard.PressAsync("Tab");
            focused.Add(await page.Page.EvaluateAsync<string>("document.activeElement ? (document.activeElement.getAttribute('aria-label') || document.activeElement.textContent || document.activeElement.tagName).trim() : ''"));
        }

        Assert.Contains(focused, text => text.Contains("统计报表", StringComparison.Ordinal));
        Assert.Contains(focused, text => text.Contains("查询", StringComparison.Ordinal));
        AssertNoErrors(page);
    }

    private static string Yuan(decimal amount) => "¥" + amount.ToString("#,##0.00", CultureInfo.InvariantCulture);

    private static void AssertNoErrors(ConsolePage page) =>
        Assert.True(page.Errors.Count == 0, "The browser's console reported errors:" + Environment.NewLine + string.Join(Environment.NewLine, page.Errors));
}
