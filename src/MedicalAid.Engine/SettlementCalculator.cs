namespace MedicalAid.Engine;

/// <summary>
/// The settlement calculation of docs/design.md §3, step by step. Every amount is whole fen; every ratio is applied
/// once per channel and rounded half away from zero. A pure function: the same input always gives the same result.
/// </summary>
public static class SettlementCalculator
{
    public static SettlementResult Calculate(SettlementInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        EnsureSound(input);

        var policy = input.Policy;
        var category = policy.RuleFor(input.Category);
        var bill = input.Bill;
        var used = input.UsedThisYear;
        var funds = input.FundBalances;
        var insurancePaid = bill.InsurancePaid;

        // Step 1: the yearly premium subsidy. It does not reduce the bill.
        var insuranceSubsidy = InsuranceSubsidy(category, used, funds.InsuranceSubsidy);

        // Step 2: outpatient or inpatient assistance, by visit type; the other channel does not apply.
        var (medical, deductibleApplied) = MedicalAssistance(input, category);
        var outpatient = input.VisitType == VisitType.Outpatient ? medical : NotApplicable(Channel.Outpatient);
        var inpatient = input.VisitType == VisitType.Inpatient ? medical : NotApplicable(Channel.Inpatient);

        // Step 3: temporary assistance on what remains, R1 = T − I − A.
        var remainingAfterMedical = bill.Total - insurancePaid - medical.Amount;
        var temporary = Temporary(policy.Temporary, category, remainingAfterMedical, used, funds.Temporary);

        // Step 4: charity on what still remains, R2 = R1 − temporary.
        var remainingAfterTemporary = remainingAfterMedical - temporary.Amount;
        var charity = Charity(policy.Charity, category, remainingAfterTemporary, funds.Charity);

        // Step 5: the patient pays the rest, P = T − I − A − temporary − charity.
        var patientPays = remainingAfterTemporary - charity.Amount;

        var assistanceTotal = medical.Amount + temporary.Amount + charity.Amount;
        var fundDebits = new ChannelAmounts(
            insuranceSubsidy.Amount, outpatient.Amount, inpatient.Amount, temporary.Amount, charity.Amount);
        var usageChange = new YearUsage(
            InsuranceSubsidy: insuranceSubsidy.Amount,
            OutpatientDeductible: input.VisitType == VisitType.Outpatient ? deductibleApplied : Money.Zero,
            InpatientDeductible: input.VisitType == VisitType.Inpatient ? deductibleApplied : Money.Zero,
            Outpatient: outpatient.Amount,
            Inpatient: inpatient.Amount,
            Temporary: temporary.Amount,
            Charity: charity.Amount);

        return new SettlementResult(
            Channels: [insuranceSubsidy, outpatient, inpatient, temporary, charity],
            InsurancePaid: insurancePaid,
            AssistanceTotal: assistanceTotal,
            FundsSettled: assistanceTotal + insuranceSubsidy.Amount,
            PatientPays: patientPays,
            FundDebits: fundDebits,
            UsageChange: usageChange);
    }

    /// <summary>Step 1: pay the premium subsidy once per year, at most what the fund holds.</summary>
    private static ChannelResult InsuranceSubsidy(CategoryRule category, YearUsage used, Money fundBalance)
    {
        var premium = category.PremiumSubsidy;
        var trace = new[] { TraceFigure.Of("premiumSubsidy", premium), TraceFigure.Of("fundBalance", fundBalance) };

        if (!premium.IsPositive)
        {
            return new ChannelResult(Channel.InsuranceSubsidy, Money.Zero, [ReasonCode.NotEligibleCategory], trace);
        }

        if (used.InsuranceSubsidyPaid)
        {
            return new ChannelResult(Channel.InsuranceSubsidy, Money.Zero, [ReasonCode.AlreadyPaidThisYear], trace);
        }

        var amount = Money.Min(premium, fundBalance);
        ReasonCode[] reasons = amount < premium ? [ReasonCode.FundExhausted] : [];
        return new ChannelResult(Channel.InsuranceSubsidy, amount, reasons, trace);
    }

    /// <summary>Step 2: A = min(round(ratio × (O − d)), type cap left, shared annual cap left, fund balance).</summary>
    private static (ChannelResult Result, Money DeductibleApplied) MedicalAssistance(SettlementInput input, CategoryRule category)
    {
        var visitType = input.VisitType;
        var channel = Channels.MedicalChannelFor(visitType);
        var rule = category.For(visitType);
        var used = input.UsedThisYear;

        var outOfPocket = input.Bill.PolicyScope - input.Bill.InsurancePaid;                       // O = S − I
        var deductibleLeft = Money.Remaining(rule.Deductible, used.DeductibleUsed(visitType));
        var deductibleApplied = Money.Min(outOfPocket, deductibleLeft);                             // d

        var levelAdjustment = visitType == VisitType.Inpatient
            ? input.Policy.InpatientLevelAdjustments.For(input.HospitalLevel)
            : Ratio.Zero;
        var ratio = (rule.Ratio + levelAdjustment).ClampToZeroAndOne();
        var raw = ratio.Of(outOfPocket - deductibleApplied);

        var typeCapLeft = Money.Remaining(rule.AnnualCap, used.AssistanceUsed(visitType));
        var sharedCapLeft = Money.Remaining(input.Policy.SharedAnnualCap, used.MedicalAssistance);
        var fundBalance = input.FundBalances[channel];

        var reasons = new List<ReasonCode>(3);
        if (deductibleApplied.IsPositive)
        {
            reasons.Add(ReasonCode.DeductibleApplied);
        }

        var amount = LimitByCapsThenFund(raw, Money.Min(typeCapLeft, sharedCapLeft), fundBalance, reasons);

        TraceFigure[] trace =
        [
            TraceFigure.Of("outOfPocket", outOfPocket),
            TraceFigure.Of("deductible", rule.Deductible),
            TraceFigure.Of("deductibleUsed", used.DeductibleUsed(visitType)),
            TraceFigure.Of("deductibleApplied", deductibleApplied),
            TraceFigure.Of("categoryRatio", rule.Ratio),
            TraceFigure.Of("levelAdjustment", levelAdjustment),
            TraceFigure.Of("ratio", ratio),
            TraceFigure.Of("raw", raw),
            TraceFigure.Of("typeCapLeft", typeCapLeft),
            TraceFigure.Of("sharedAnnualCapLeft", sharedCapLeft),
            TraceFigure.Of("fundBalance", fundBalance),
        ];
        return (new ChannelResult(channel, amount, reasons, trace), deductibleApplied);
    }

    /// <summary>Step 3: min(round(ratio × R1), per-event limit, annual cap left, fund balance) once R1 reaches the threshold.</summary>
    private static ChannelResult Temporary(
        TemporaryRule rule, CategoryRule category, Money remaining, YearUsage used, Money fundBalance)
    {
        var annualCapLeft = Money.Remaining(rule.AnnualCap, used.Temporary);
        var trace = new List<TraceFigure>(7)
        {
            TraceFigure.Of("remaining", remaining),
            TraceFigure.Of("threshold", rule.Threshold),
        };

        if (!category.TemporaryEligible)
        {
            return new ChannelResult(Channel.Temporary, Money.Zero, [ReasonCode.NotEligibleCategory], trace);
        }

        if (remaining < rule.Threshold)
        {
            return new ChannelResult(Channel.Temporary, Money.Zero, [ReasonCode.BelowThreshold], trace);
        }

        var raw = rule.Ratio.Of(remaining);
        var reasons = new List<ReasonCode>(2);
        var amount = LimitByCapsThenFund(raw, Money.Min(rule.PerEventLimit, annualCapLeft), fundBalance, reasons);

        trace.Add(TraceFigure.Of("ratio", rule.Ratio));
        trace.Add(TraceFigure.Of("raw", raw));
        trace.Add(TraceFigure.Of("perEventLimit", rule.PerEventLimit));
        trace.Add(TraceFigure.Of("annualCapLeft", annualCapLeft));
        trace.Add(TraceFigure.Of("fundBalance", fundBalance));
        return new ChannelResult(Channel.Temporary, amount, reasons, trace);
    }

    /// <summary>Step 4: min(round(ratio × R2), per-case cap, fund balance) once R2 reaches the threshold.</summary>
    private static ChannelResult Charity(CharityRule rule, CategoryRule category, Money remaining, Money fundBalance)
    {
        var trace = new List<TraceFigure>(6)
        {
            TraceFigure.Of("remaining", remaining),
            TraceFigure.Of("threshold", rule.Threshold),
        };

        if (!category.CharityEligible)
        {
            return new ChannelResult(Channel.Charity, Money.Zero, [ReasonCode.NotEligibleCategory], trace);
        }

        if (remaining < rule.Threshold)
        {
            return new ChannelResult(Channel.Charity, Money.Zero, [ReasonCode.BelowThreshold], trace);
        }

        var raw = rule.Ratio.Of(remaining);
        var reasons = new List<ReasonCode>(2);
        var amount = LimitByCapsThenFund(raw, rule.PerCaseCap, fundBalance, reasons);

        trace.Add(TraceFigure.Of("ratio", rule.Ratio));
        trace.Add(TraceFigure.Of("raw", raw));
        trace.Add(TraceFigure.Of("perCaseCap", rule.PerCaseCap));
        trace.Add(TraceFigure.Of("fundBalance", fundBalance));
        return new ChannelResult(Channel.Charity, amount, reasons, trace);
    }

    /// <summary>
    /// Takes the smallest of what the ratio gives, the tightest cap and the fund, saying CAP_REACHED when a cap
    /// cut the amount and FUND_EXHAUSTED when the fund cut it further.
    /// </summary>
    private static Money LimitByCapsThenFund(Money raw, Money capLeft, Money fundBalance, List<ReasonCode> reasons)
    {
        var withinCaps = Money.Min(raw, capLeft);
        if (withinCaps < raw)
        {
            reasons.Add(ReasonCode.CapReached);
        }

        var amount = Money.Min(withinCaps, fundBalance);
        if (amount < withinCaps)
        {
            reasons.Add(ReasonCode.FundExhausted);
        }

        return amount;
    }

    private static ChannelResult NotApplicable(Channel channel) =>
        new(channel, Money.Zero, [ReasonCode.NotApplicableVisitType], []);

    private static void EnsureSound(SettlementInput input)
    {
        if (!input.Bill.IsSound)
        {
            throw new InvalidSettlementInputException(
                string.Join(" ", input.Bill.Validate().Select(problem => $"{problem.Field}: {problem.Message}")));
        }

        var used = input.UsedThisYear;
        if (used.InsuranceSubsidy.IsNegative || used.OutpatientDeductible.IsNegative || used.InpatientDeductible.IsNegative
            || used.Outpatient.IsNegative || used.Inpatient.IsNegative || used.Temporary.IsNegative || used.Charity.IsNegative)
        {
            throw new InvalidSettlementInputException("Usage so far this year must not be negative.");
        }

        var funds = input.FundBalances;
        if (funds.InsuranceSubsidy.IsNegative || funds.Outpatient.IsNegative || funds.Inpatient.IsNegative
            || funds.Temporary.IsNegative || funds.Charity.IsNegative)
        {
            throw new InvalidSettlementInputException("A fund balance must not be negative.");
        }
    }
}
