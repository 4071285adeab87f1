using MedicalAid.Client;
using MedicalAid.Contracts;
using MedicalAid.MockHospital.Driving;
using Refit;

namespace MedicalAid.MockHospital.Reconciling;

/// <summary>One hospital's day reconciled with MedicalAid: totals (对总账) and detail (对明细账), or why it could not be.</summary>
internal sealed record DayReconciliation(string HospitalCode, DateOnly Date, DailyReconciliationResult? Daily, DetailReconciliationResult? Detail, string? Error)
{
    public bool Matched => Daily?.Status == ReconciliationStatus.Matched && Detail?.Status == ReconciliationStatus.Matched;
}

internal static class HospitalReconciler
{
    /// <summary>
    /// Submits the hospital's own totals and detail list for every day its books have, and returns MedicalAid's verdicts.
    /// </summary>
    public static async Task<IReadOnlyList<DayReconciliation>> ReconcileAsync(IMedicalAidHospitalApi api, HospitalBooks books, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(books);
        var days = new List<DayReconciliation>();
        foreach (var day in books.Days())
        {
            try
            {
                var daily = await api.ReconcileDailyAsync(books.DailyTotals(day), cancellationToken);
                var detail = await api.ReconcileDetailAsync(new DetailReconciliationRequest { Date = day, Items = books.DetailItems(day) }, cancellationToken);
                days.Add(new DayReconciliation(books.HospitalCode, day, daily, detail, null));
            }
            catch (Exception exception) when (exception is MedicalAidProblemException or ApiExceptionBase or HttpRequestException)
            {
                days.Add(new DayReconciliation(books.HospitalCode, day, null, null, DischargeDriver.ErrorKind(exception)));
            }
        }

        return days;
    }
}
