using MedicalAid.MockHospital.Display;
using MedicalAid.MockHospital.Driving;
using MedicalAid.MockHospital.Hospitals;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedicalAid.MockHospital.Commands;

/// <summary><c>drive</c>: settle a day of discharges against a running API, reconcile every hospital, summarise.</summary>
internal sealed class DriveCommand : AsyncCommand<DriveSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, DriveSettings settings, CancellationToken cancellationToken) =>
        DriveAndSummariseAsync(settings, mocks: null, cancellationToken);

    internal static async Task<int> DriveAndSummariseAsync(DriveSettings settings, IReadOnlyList<MockHospitalSystem>? mocks, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions();
        AnsiConsole.MarkupLine(
            $"Driving [bold]{Markup.Escape(settings.Api)}[/]: {options.Count} discharges, concurrency {options.Concurrency}"
            + (options.Rate > 0 ? $", {options.Rate:0.##}/s" : "") + $", run {options.RunId}. [grey]Ctrl+C ends early and still reconciles.[/]");
        var report = await DriveSession.RunAsync(
            settings.ApiUrl(),
            options,
            watch: (driver, drive) => ProgressView.WatchAsync(AnsiConsole.Console, driver, drive),
            cancellationToken: cancellationToken);
        SummaryView.Render(AnsiConsole.Console, report, mocks);
        return report.Clean ? 0 : 1;
    }
}
