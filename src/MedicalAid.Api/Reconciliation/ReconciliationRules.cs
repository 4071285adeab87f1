using System.Globalization;
using MedicalAid.Api.Settlements;
using MedicalAid.Contracts;
using MedicalAid.Engine;

namespace MedicalAid.Api.Reconciliation;

/// <summary>What a reconciliation request must satisfy before anything is compared; each problem names its field.</summary>
public static class ReconciliationRules
{
    /// <summary>Detail reconciliation takes at most this many items (a hospital's busiest day, with room to spare).</summary>
    public const int MaxDetailItems = 10_000;

    /// <summary>Body limit of detail reconciliation: 10,000 items of about 150 bytes each, with room for formatting.</summary>
    public const long MaxDetailBodyBytes = 4 * 1024 * 1024;

    /// <summary>Validation stops collecting after this many field errors, so that a bad list cannot make a huge answer.</summary>
    private const int MaxErrors = 50;

    /// <summary>Parses the <c>date</c> query parameter: required, ISO 8601 (YYYY-MM-DD), not after today.</summary>
    public static bool TryParseDate(string? text, DateOnly today, out DateOnly date, out string? problem)
    {
        date = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "The date query parameter is required (YYYY-MM-DD, Asia/Shanghai).";
            return false;
        }

        if (!DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            problem = $"'{text}' is not a date in the form YYYY-MM-DD.";
            return false;
        }

        problem = DateProblem(date, today);
        return problem is null;
    }

    /// <summary>Null when <paramref name="date"/> may be reconciled: today (so far) or any earlier day.</summary>
    public static string? DateProblem(DateOnly date, DateOnly today) =>
        date > today ? $"The date is in the future (today is {Iso(today)})." : null;

    public static Dictionary<string, string[]> Validate(HospitalDailyTotals totals, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (DateProblem(totals.Date, today) is { } dateProblem)
        {
            errors["date"] = [dateProblem];
        }

        CheckMovement("settlements", totals.Settlements, errors);
        CheckMovement("reversals", totals.Reversals, errors);
        return errors;
    }

    public static Dictionary<string, string[]> Validate(DetailReconciliationRequest request, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (DateProblem(request.Date, today) is { } dateProblem)
        {
            errors["date"] = [dateProblem];
        }

        if (request.Items.Count > MaxDetailItems)
        {
            errors["items"] = [$"At most {MaxDetailItems} items per request ({request.Items.Count} sent)."];
            return errors;
        }

        var seen = new Dictionary<Guid, int>(request.Items.Count);
        for (var index = 0; index < request.Items.Count && errors.Count < MaxErrors; index++)
        {
            var item = request.Items[index];
            var field = $"items[{index}]";
            if (item is null)
            {
                errors[field] = ["An item is required here, not null."];
                continue;
            }

            if (!seen.TryAdd(item.SettlementId, index))
            {
                errors[$"{field}.settlementId"] = [$"Settlement {item.SettlementId} is listed more than once (first at items[{seen[item.SettlementId]}])."];
            }

            var visitNumber = SettlementRules.NormalizeVisitNumber(item.VisitNumber);
            if (visitNumber.Length == 0 || visitNumber.Length > SettlementRules.MaxVisitNumberLength)
            {
                errors[$"{field}.visitNumber"] = [$"A visit number of 1 to {SettlementRules.MaxVisitNumberLength} characters is required."];
            }

            CheckAmount($"{field}.fundsSettled", item.FundsSettled, errors);
            CheckAmount($"{field}.patientPays", item.PatientPays, errors);
        }

        return errors;
    }

    private static void CheckMovement(string prefix, MovementTotals movement, Dictionary<string, string[]> errors)
    {
        if (movement.Count < 0)
        {
            errors[$"{prefix}.count"] = ["A count is zero or more."];
        }

        CheckAmount($"{prefix}.fundsSettled", movement.FundsSettled, errors);
        var channels = new HashSet<AssistanceChannel>();
        for (var index = 0; index < movement.Channels.Count; index++)
        {
            var channel = movement.Channels[index];
            if (channel is null)
            {
                errors[$"{prefix}.channels[{index}]"] = ["A channel amount is required here, not null."];
                continue;
            }

            if (!channels.Add(channel.Channel))
            {
                errors[$"{prefix}.channels[{index}].channel"] = [$"Channel {ReconciliationMapping.FieldName(channel.Channel)} is listed more than once."];
            }

            CheckAmount($"{prefix}.channels[{index}].amount", channel.Amount, errors);
        }
    }

    /// <summary>Amounts are yuan with at most two decimals and, reversals included, never negative.</summary>
    private static void CheckAmount(string field, decimal amount, Dictionary<string, string[]> errors)
    {
        if (!Money.TryFromYuan(amount, out var money))
        {
            errors[field] = ["An amount in yuan with at most two decimals."];
        }
        else if (money.IsNegative)
        {
            errors[field] = ["Amounts are zero or more; reversals are reported as the positive amounts they reversed."];
        }
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
