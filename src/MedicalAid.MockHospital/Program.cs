using MedicalAid.MockHospital.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedicalAid.MockHospital;

// A named Program (not top-level statements), so that it does not clash with the API's Program in the tests.
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (!AnsiConsole.Profile.Out.IsTerminal)
        {
            // Written to a file or a pipe there is no terminal to fit: keep each table row on one line.
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 140);
        }

        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("MedicalAid.MockHospital");
            config.AddCommand<ServeCommand>("serve")
                .WithDescription("Start a mock hospital system (WireMock.Net) per hospital that receives MedicalAid's callbacks, until Ctrl+C.")
                .WithExample("serve", "--hospitals", "H001,H002,H003", "--mock-port", "9101", "--fail-first-attempt", "drop");
            config.AddCommand<DriveCommand>("drive")
                .WithDescription("Settle seeded discharges against a running API through the Refit client, reconcile every hospital and summarise.")
                .WithExample("drive", "--api", "http://localhost:5080", "--count", "200", "--seed", "7");
            config.AddCommand<RunCommand>("run")
                .WithDescription("Both: start the mock hospital systems, drive the API, reconcile, summarise.")
                .WithExample("run", "--api", "http://localhost:5080", "--count", "200", "--seed", "7");
        });

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C ends the run gracefully (a drive still reconciles and summarises); a second one kills the process.
            if (!stop.IsCancellationRequested)
            {
                e.Cancel = true;
                stop.Cancel();
            }
        };

        return await app.RunAsync(args, stop.Token);
    }
}
