using System.Diagnostics;
using MedicalAid.MockHospital.Reconciling;
using Microsoft.Extensions.Http.Resilience;

namespace MedicalAid.MockHospital.Driving;

/// <summary>Everything a drive did, for the summary and for tests.</summary>
internal sealed record DriveReport(
    DriveOptions Options,
    IReadOnlyList<PlannedVisit> Plan,
    RegistrationResult? Registration,
    RunStatistics Statistics,
    IReadOnlyDictionary<string, HospitalBooks> Books,
    IReadOnlyList<DayReconciliation> Reconciliations,
    TimeSpan Elapsed,
    bool StoppedEarly)
{
    /// <summary>Every call answered as expected and every hospital's every day reconciled exactly.</summary>
    public bool Clean =>
        !StoppedEarly
        && Statistics.Errors.Count == 0
        && (Registration is null || Registration.Errors.Count == 0)
        && Reconciliations.Count > 0
        && Reconciliations.All(day => day.Matched);
}

/// <summary>A whole drive: population, plan, discharges, then each hospital's reconciliation.</summary>
internal static class DriveSession
{
    /// <summary>
    /// Runs the drive against <paramref name="api"/>. <paramref name="watch"/>, when given, is called with the driver and its
    /// running task (to show progress); <paramref name="configureResilience"/> adjusts every hospital's client pipeline.
    /// Stopping (<paramref name="cancellationToken"/>) ends the discharges early; what was done is still reconciled.
    /// </summary>
    public static async Task<DriveReport> RunAsync(
        Uri api,
        DriveOptions options,
        Func<DischargeDriver, Task, Task>? watch = null,
        Action<HttpStandardResilienceOptions>? configureResilience = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var started = Stopwatch.GetTimestamp();
        var (patients, registration) = await PopulationAsync(api, options, cancellationToken);
        var plan = DischargePlanner.Plan(options, patients);

        var connections = options.Hospitals.Select(account => HospitalConnection.Open(api, account, configureResilience)).ToList();
        try
        {
            var driver = new DischargeDriver(connections, plan, options.TimeZone);
            var drive = driver.RunAsync(options.Concurrency, options.Rate, cancellationToken);
            var stoppedEarly = false;
            try
            {
                await (watch is null ? drive : watch(driver, drive));
                await drive;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                stoppedEarly = true;
            }

            var reconciliations = new List<DayReconciliation>();
            foreach (var connection in connections)
            {
                reconciliations.AddRange(await HospitalReconciler.ReconcileAsync(connection.Api, driver.Books[connection.Account.Code], CancellationToken.None));
            }

            return new DriveReport(options, plan, registration, driver.Statistics, driver.Books, reconciliations, Stopwatch.GetElapsedTime(started), stoppedEarly);
        }
        finally
        {
            connections.ForEach(connection => connection.Dispose());
        }
    }

    private static async Task<(IReadOnlyList<Patient> Patients, RegistrationResult? Registration)> PopulationAsync(
        Uri api, DriveOptions options, CancellationToken cancellationToken)
    {
        if (options.PopulationSize == 0)
        {
            return (Population.Demo, null);
        }

        if (string.IsNullOrEmpty(options.StaffToken))
        {
            throw new ArgumentException("A generated population is registered through the staff API: give a staff token of role operator.", nameof(options));
        }

        var people = Population.Generate(options.PopulationSize, options.Seed);
        using var registrar = PopulationRegistrar.Open(api, options.StaffToken);
        var registration = await registrar.RegisterAsync(people, new DateOnly(options.ServiceDate.Year, 1, 1), options.Concurrency, cancellationToken);
        return (people, registration);
    }
}
