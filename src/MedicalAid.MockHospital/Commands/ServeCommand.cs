using System.Globalization;
using MedicalAid.MockHospital.Hospitals;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedicalAid.MockHospital.Commands;

/// <summary><c>serve</c>: start a mock hospital system per hospital and show the callbacks they receive until Ctrl+C.</summary>
internal sealed class ServeCommand : AsyncCommand<ServeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ServeSettings settings, CancellationToken cancellationToken)
    {
        using var fleet = MockHospitalFleet.Start(settings.HospitalSecrets(), settings.MockPort, settings.Faults(), settings.Seed);
        await MockSystemSettings.ProbeAsync(settings, fleet, cancellationToken);
        AnsiConsole.MarkupLine("Mock hospital systems are up; register each URL as the hospital's callback base URL. [grey]Ctrl+C stops them.[/]");
        if (!AnsiConsole.Profile.Out.IsTerminal)
        {
            // No live table in a file or a pipe: the systems as they start, and what they received when they stop.
            AnsiConsole.Write(Table(fleet));
            await WaitForStopAsync(cancellationToken);
            AnsiConsole.Write(Table(fleet));
            return 0;
        }

        var stopped = WaitForStopAsync(cancellationToken);
        await AnsiConsole.Live(Table(fleet)).StartAsync(async live =>
        {
            while (!stopped.IsCompleted)
            {
                await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None), stopped);
                live.UpdateTarget(Table(fleet));
            }
        });
        return 0;
    }

    private static Task WaitForStopAsync(CancellationToken cancellationToken) =>
        Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);

    private static Table Table(MockHospitalFleet fleet)
    {
        var table = new Table().AddColumns("Hospital", "Callback base URL", "Stored", "Duplicates", "Errors injected", "Dropped", "Refused", "Bad signature", "Last delivery");
        foreach (var system in fleet.Systems)
        {
            var deliveries = system.Deliveries;
            var last = deliveries.Count == 0 ? null : deliveries[^1];
            table.AddRow(
                Markup.Escape(system.HospitalCode),
                Markup.Escape(system.Url.ToString()),
                deliveries.Count.ToString(CultureInfo.InvariantCulture),
                system.Count(DeliveryOutcome.Duplicate).ToString(CultureInfo.InvariantCulture),
                system.Count(DeliveryOutcome.Error).ToString(CultureInfo.InvariantCulture),
                system.Count(DeliveryOutcome.Dropped).ToString(CultureInfo.InvariantCulture),
                system.Count(DeliveryOutcome.Refused).ToString(CultureInfo.InvariantCulture),
                system.Count(DeliveryOutcome.Unauthenticated).ToString(CultureInfo.InvariantCulture),
                last is null ? "—" : Markup.Escape($"{last.Kind} {last.DeliveryId} at {last.ReceivedAt.ToLocalTime():HH:mm:ss}"));
        }

        return table;
    }
}
