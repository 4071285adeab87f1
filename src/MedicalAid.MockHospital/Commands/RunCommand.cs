using MedicalAid.MockHospital.Hospitals;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedicalAid.MockHospital.Commands;

/// <summary><c>run</c>: start the mock hospital systems, drive the API, reconcile and summarise, then stop the systems.</summary>
internal sealed class RunCommand : AsyncCommand<RunSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, RunSettings settings, CancellationToken cancellationToken)
    {
        using var fleet = MockHospitalFleet.Start(settings.HospitalSecrets(), settings.MockPort, settings.Faults(), settings.Seed);
        await MockSystemSettings.ProbeAsync(settings, fleet, cancellationToken);
        foreach (var system in fleet.Systems)
        {
            AnsiConsole.MarkupLine($"Mock hospital system {Markup.Escape(system.HospitalCode)} receives callbacks at {Markup.Escape(system.Url.ToString())}");
        }

        return await DriveCommand.DriveAndSummariseAsync(settings, fleet.Systems, cancellationToken);
    }
}
