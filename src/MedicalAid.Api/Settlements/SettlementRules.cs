using System.Globalization;
using System.Text.RegularExpressions;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using EngineVisitType = MedicalAid.Engine.VisitType;

namespace MedicalAid.Api.Settlements;

/// <summary>A settlement request that passed every check that needs no database.</summary>
public sealed record ValidatedVisit(
    string VisitNumber,
    EngineVisitType VisitType,
    string IdNumber,
    string PatientName,
    DateOnly ServiceDate,
    DateOnly? AdmissionDate,
    DateOnly? DischargeDate,
    DateOnly? VisitDate,
    IReadOnlyList<string> DiagnosisCodes,
    Bill Bill);

/// <summary>The shape rules of docs/design.md §5 for a settlement request, each failure named by its JSON field.</summary>
public static partial class SettlementRules
{
    public const int MaxVisitNumberLength = 64;
    public const int MaxNameLength = 64;
    public const int MaxReasonLength = 256;
    public const int MaxDiagnosisCodes = 20;
    public const int MaxDiagnosisCodeLength = 16;

    /// <summary>No single bill reaches a hundred million yuan; larger numbers are typing errors.</summary>
    public static readonly Money MaxAmount = Money.FromYuan(100_000_000);

    public static bool TryValidate(SettlementRequest request, DateOnly today, out ValidatedVisit? visit, out Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(request);
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!found.TryGetValue(field, out var messages))
            {
                found[field] = messages = [];
            }

            messages.Add(message);
        }

        var visitNumber = NormalizeVisitNumber(request.VisitNumber);
        if (visitNumber.Length == 0)
        {
            Add("visitNumber", "A visit number is required.");
        }
        else if (visitNumber.Length > MaxVisitNumberLength)
        {
            Add("visitNumber", $"At most {MaxVisitNumberLength} characters.");
        }
        else if (!visitNumber.All(IsVisitNumberCharacter))
        {
            Add("visitNumber", "Letters, digits, '-', '_', '/' and '.' only.");
        }

        var visitType = request.VisitType switch
        {
            Contracts.VisitType.Inpatient => EngineVisitType.Inpatient,
            Contracts.VisitType.Outpatient => EngineVisitType.Outpatient,
            _ => (EngineVisitType?)null,
        };
        if (visitType is null)
        {
            Add("visitType", "Must be 'outpatient' or 'inpatient'.");
        }

        var idNumber = request.Patient?.IdNumber?.Trim().ToUpperInvariant() ?? "";
        var idProblem = ResidentIdNumber.Check(idNumber, today);
        if (idProblem != ResidentIdProblem.None)
        {
            Add("patient.idNumber", ResidentIdNumber.Describe(idProblem));
        }

        var name = request.Patient?.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            Add("patient.name", "The patient's name is required.");
        }
        else if (name.Length > MaxNameLength)
        {
            Add("patient.name", $"At most {MaxNameLength} characters.");
        }
        else if (HasControlCharacters(name))
        {
            Add("patient.name", "A name has no control characters.");
        }

        DateOnly? serviceDate = null;
        if (visitType == EngineVisitType.Inpatient)
        {
            if (request.VisitDate is not null)
            {
                Add("visitDate", "An inpatient stay has admission and discharge dates, not a visit date.");
            }

            if (request.AdmissionDate is null)
            {
                Add("admissionDate", "Required for an inpatient stay.");
            }

            if (request.DischargeDate is null)
            {
                Add("dischargeDate", "Required for an inpatient stay.");
            }
            else if (request.AdmissionDate is { } admission && request.DischargeDate < admission)
            {
                Add("dischargeDate", "The discharge date is before the admission date.");
            }

            serviceDate = request.DischargeDate;
            if (serviceDate > today)
            {
                Add("dischargeDate", $"The discharge date is in the future (today is {Iso(today)}).");
            }
        }
        else if (visitType == EngineVisitType.Outpatient)
        {
            if (request.AdmissionDate is not null)
            {
                Add("admissionDate", "An outpatient visit has a visit date, not an admission date.");
            }

            if (request.DischargeDate is not null)
            {
                Add("dischargeDate", "An outpatient visit has a visit date, not a discharge date.");
            }

            if (request.VisitDate is null)
            {
                Add("visitDate", "Required for an outpatient visit.");
            }

            serviceDate = request.VisitDate;
            if (serviceDate > today)
            {
                Add("visitDate", $"The visit date is in the future (today is {Iso(today)}).");
            }
        }

        var diagnosisCodes = request.DiagnosisCodes ?? [];
        if (diagnosisCodes.Count > MaxDiagnosisCodes)
        {
            Add("diagnosisCodes", $"At most {MaxDiagnosisCodes} codes.");
        }

        var normalizedCodes = diagnosisCodes.Select(code => code?.Trim().ToUpperInvariant() ?? "").ToArray();
        for (var i = 0; i < Math.Min(normalizedCodes.Length, MaxDiagnosisCodes); i++)
        {
            if (!DiagnosisCode().IsMatch(normalizedCodes[i]))
            {
                Add($"diagnosisCodes[{i}]", "An ICD-10 code such as J18.9: a letter, two digits, optionally a dot and up to four more.");
            }
        }

        var bill = ValidateAmounts(request.Amounts, Add);

        visit = null;
        errors = found.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
        if (errors.Count > 0)
        {
            return false;
        }

        visit = new ValidatedVisit(
            visitNumber, visitType!.Value, idNumber, name, serviceDate!.Value,
            request.AdmissionDate, request.DischargeDate, request.VisitDate,
            normalizedCodes, bill!.Value);
        return true;
    }

    private static Bill? ValidateAmounts(BillAmounts? amounts, Action<string, string> add)
    {
        if (amounts is null)
        {
            add("amounts", "The bill amounts are required.");
            return null;
        }

        var total = Amount(amounts.Total, "amounts.total");
        var policyScope = Amount(amounts.PolicyScope, "amounts.policyScope");
        var basic = Amount(amounts.BasicInsurancePaid, "amounts.basicInsurancePaid");
        var critical = Amount(amounts.CriticalIllnessInsurancePaid, "amounts.criticalIllnessInsurancePaid");
        var other = Amount(amounts.OtherInsurancePaid, "amounts.otherInsurancePaid");
        if (total is null || policyScope is null || basic is null || critical is null || other is null)
        {
            return null;
        }

        var bill = new Bill(total.Value, policyScope.Value, basic.Value, critical.Value, other.Value);
        foreach (var problem in bill.Validate())
        {
            add(problem.Field switch
            {
                BillField.PolicyScope => "amounts.policyScope",
                BillField.InsurancePaid => "amounts.basicInsurancePaid",
                var field => "amounts." + JsonNamingPolicyCamel(field.ToString()),
            }, problem.Message);
        }

        return bill.IsSound ? bill : null;

        Money? Amount(decimal yuan, string field)
        {
            if (!Money.TryFromYuan(yuan, out var money))
            {
                add(field, "An amount in yuan has at most two decimals.");
                return null;
            }

            if (money.IsNegative)
            {
                add(field, "An amount must not be negative.");
                return null;
            }

            if (money > MaxAmount)
            {
                add(field, $"An amount is at most {MaxAmount} yuan.");
                return null;
            }

            return money;
        }
    }

    private static string JsonNamingPolicyCamel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>Visit numbers compare without regard to case or surrounding spaces: "zy1" and "ZY1" are one visit.</summary>
    public static string NormalizeVisitNumber(string? visitNumber) => visitNumber?.Trim().ToUpperInvariant() ?? "";

    /// <summary>A free-text reason: at most <see cref="MaxReasonLength"/> characters and no control characters.</summary>
    public static string? ReasonProblem(string? reason) =>
        reason is null ? null
        : reason.Length > MaxReasonLength ? $"At most {MaxReasonLength} characters."
        : HasControlCharacters(reason) ? "A reason has no control characters."
        : null;

    private static bool HasControlCharacters(string text) => text.Any(char.IsControl);

    [GeneratedRegex("^[A-Z][0-9]{2}(\\.[0-9A-Z]{1,4})?$")]
    private static partial Regex DiagnosisCode();

    private static bool IsVisitNumberCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.';

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>An Idempotency-Key: 1–255 visible ASCII characters.</summary>
    public static string? IdempotencyKeyProblem(string? key) =>
        string.IsNullOrEmpty(key) ? "The Idempotency-Key header is required."
        : key.Length > IdempotencyRecord.MaxKeyLength ? $"The Idempotency-Key is at most {IdempotencyRecord.MaxKeyLength} characters."
        : !key.All(c => c is > ' ' and <= '~') ? "The Idempotency-Key is visible ASCII characters only."
        : null;
}
