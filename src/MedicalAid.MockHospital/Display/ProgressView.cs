using System.Globalization;
using MedicalAid.MockHospital.Driving;
using Spectre.Console;

namespace MedicalAid.MockHospital.Display;

/// <summary>A progress bar per hospital while a drive runs: discharges done of planned, with what they came to.</summary>
internal static class ProgressView
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

    public static Task WatchAsync(IAnsiConsole console, DischargeDriver driver, Task drive) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = driver.Statistics.Hospitals
                    .OrderBy(hospital => hospital.Key, StringComparer.Ordinal)
                    .Select(hospital => (Code: hospital.Key, Counters: hospital.Value, Task: context.AddTask(hospital.Key, maxValue: Math.Max(1, hospital.Value.Planned))))
                    .ToArray();
                while (true)
                {
                    foreach (var (code, counters, task) in tasks)
                    {
                        task.Value = counters.Planned == 0 ? 1 : Volatile.Read(ref counters.Done);
                        task.Description = string.Create(
                            CultureInfo.InvariantCulture,
                            $"{code,-8} settled {Volatile.Read(ref counters.Settled),5}  replays {Volatile.Read(ref counters.Replayed),4}  reversals {Volatile.Read(ref counters.Reversed),4}  errors {Volatile.Read(ref counters.ErrorCount),4}");
                    }

                    if (drive.IsCompleted)
                    {
                        return;
                    }

                    await Task.WhenAny(drive, Task.Delay(Refresh));
                }
            });
}
