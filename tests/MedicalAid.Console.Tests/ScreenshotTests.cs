using System.Net.Http.Json;
using MedicalAid.Api.Demo;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Console.Tests.Infrastructure;
using MedicalAid.Contracts;

namespace MedicalAid.Console.Tests;

/// <summary>
/// The pictures of the console in the README and the staff guide, taken from the real pages with a few settlements
/// in place. They are written to a temporary folder, or — to regenerate the documents' pictures — to the folder named by
/// MEDICALAID_SCREENSHOTS (relative to the repository): see docs/staff-guide.md.
/// </summary>
public sealed class ScreenshotTests(SqliteConsoleFixture fixture) : IClassFixture<SqliteConsoleFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DashboardSettlementAndReport_AreCaptured()
    {
        Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
        var folder = Folder();
        var app = fixture.App;
        var people = new (string IdNumber, string Name)[]
        {
            ("140109196208150026", "李秀英"), ("14010919550312001X", "王建国"), ("140109197001010039", "张伟"), ("140109196609300080", "黄丽华"),
        };
        SettlementResponse? example = null;
        for (var day = 0; day < 12; day++)
        {
            var (idNumber, name) = people[day % people.Length];
            using var hospital = app.Hospital(day % 3 == 0 ? Keys.H001 : day % 3 == 1 ? Keys.H002 : Keys.H003);
            var patient = new PatientIdentity { IdNumber = idNumber, Name = name };
            var discharge = MedicalAidApp.Today.AddDays(-1 - (day * 2));
            var request = day == 0
                ? Requests.Inpatient(patient, 20000.00m, 18000.00m, 10000.00m, dischargeDate: discharge)
                : day % 2 == 0
                    ? Requests.Inpatient(patient, 8000m + (day * 700), 7000m + (day * 600), 3500m, dischargeDate: discharge)
                    : Requests.Outpatient(patient, 600m + (day * 40), 500m + (day * 30), 200m, discharge);
            using var response = await hospital.SettleAsync(request);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Cancel));
            example ??= await response.Content.ReadFromJsonAsync<SettlementResponse>(Cancel);
        }

        await using var page = await ConsolePage.OpenAsync(fixture, 1366, 768);
        await page.SignInAsync("demo-district", DemoSeeder.StaffPassword);
        await page.Page.GetByTestId("funds").WaitForAsync();
        await page.ScreenshotAsync(Path.Combine(folder, "console-dashboard.png"));
        await page.GoToAsync($"/console/settlements/{example!.SettlementId}", "[data-testid=waterfall]");
        await page.ScreenshotAsync(Path.Combine(folder, "console-settlement.png"));
        await page.GoToAsync("/console/reports", "[data-testid=report-totals]");
        await page.ScreenshotAsync(Path.Combine(folder, "console-report.png"));

        Assert.True(File.Exists(Path.Combine(folder, "console-report.png")));
        Assert.True(page.Errors.Count == 0, string.Join(Environment.NewLine, page.Errors));
    }

    private static string Folder()
    {
        if (Environment.GetEnvironmentVariable("MEDICALAID_SCREENSHOTS") is not { Length: > 0 } wanted)
        {
            return Path.Combine(Path.GetTempPath(), "medicalaid-screenshots");
        }

        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "MedicalAid.sln")))
        {
            root = root.Parent;
        }

        return Path.GetFullPath(Path.Combine(root?.FullName ?? Directory.GetCurrentDirectory(), wanted));
    }
}
