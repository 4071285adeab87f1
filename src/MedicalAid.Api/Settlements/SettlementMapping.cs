using System.Text.Json;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using EngineVisitType = MedicalAid.Engine.VisitType;
using WireVisitType = MedicalAid.Contracts.VisitType;

namespace MedicalAid.Api.Settlements;

/// <summary>Entity and engine types to wire types; entities never cross the API boundary.</summary>
public static class SettlementMapping
{
    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web);

    public static string ReasonCodeName(ReasonCode reason) => reason switch
    {
        ReasonCode.NotEligibleCategory => "NOT_ELIGIBLE_CATEGORY",
        ReasonCode.BelowThreshold => "BELOW_THRESHOLD",
        ReasonCode.DeductibleApplied => "DEDUCTIBLE_APPLIED",
        ReasonCode.CapReached => "CAP_REACHED",
        ReasonCode.FundExhausted => "FUND_EXHAUSTED",
        ReasonCode.AlreadyPaidThisYear => "ALREADY_PAID_THIS_YEAR",
        ReasonCode.NotApplicableVisitType => "NOT_APPLICABLE_VISIT_TYPE",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown reason code."),
    };

    public static AssistanceChannel ToWire(Channel channel) => channel switch
    {
        Channel.InsuranceSubsidy => AssistanceChannel.InsuranceSubsidy,
        Channel.Outpatient => AssistanceChannel.Outpatient,
        Channel.Inpatient => AssistanceChannel.Inpatient,
        Channel.Temporary => AssistanceChannel.Temporary,
        Channel.Charity => AssistanceChannel.Charity,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Unknown channel."),
    };

    public static WireVisitType ToWire(EngineVisitType visitType) =>
        visitType == EngineVisitType.Inpatient ? WireVisitType.Inpatient : WireVisitType.Outpatient;

    public static ChannelOutcome ToWire(ChannelResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var trace = new Dictionary<string, decimal>(result.Trace.Count, StringComparer.Ordinal);
        foreach (var figure in result.Trace)
        {
            trace[figure.Name] = figure.Unit == TraceUnit.Fen
                ? new Money(figure.Value).ToYuan()
                : new Ratio((int)figure.Value).ToDecimal();
        }

        return new ChannelOutcome
        {
            Channel = ToWire(result.Channel),
            Amount = result.Amount.ToYuan(),
            Reasons = result.Reasons.Select(ReasonCodeName).ToArray(),
            Trace = trace,
        };
    }

    public static string SerializeChannels(SettlementResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return JsonSerializer.Serialize(result.Channels.Select(ToWire).ToArray(), DetailsJson);
    }

    public static SettlementCalculation ToCalculation(Settlement settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        return new SettlementCalculation
        {
            VisitNumber = settlement.VisitNumber,
            VisitType = ToWire(settlement.VisitType),
            HospitalCode = settlement.HospitalCode,
            Beneficiary = new BeneficiarySummary
            {
                IdNumberMasked = ResidentIdNumber.Mask(settlement.IdNumber),
                Name = settlement.BeneficiaryName,
                Category = settlement.CategoryCode,
            },
            ServiceDate = settlement.ServiceDate,
            PolicyVersion = settlement.PolicyCode,
            Amounts = new BillAmounts
            {
                Total = settlement.Total.ToYuan(),
                PolicyScope = settlement.PolicyScope.ToYuan(),
                BasicInsurancePaid = settlement.BasicInsurancePaid.ToYuan(),
                CriticalIllnessInsurancePaid = settlement.CriticalIllnessInsurancePaid.ToYuan(),
                OtherInsurancePaid = settlement.OtherInsurancePaid.ToYuan(),
            },
            Channels = JsonSerializer.Deserialize<ChannelOutcome[]>(settlement.ChannelDetails, DetailsJson) ?? [],
            AssistanceTotal = settlement.AssistanceTotal.ToYuan(),
            FundsSettled = settlement.FundsSettled.ToYuan(),
            PatientPays = settlement.PatientPays.ToYuan(),
        };
    }

    public static SettlementResponse ToResponse(Settlement settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        var status = settlement.Status == SettlementState.Reversed ? SettlementStatus.Reversed : SettlementStatus.Settled;
        return new SettlementResponse(ToCalculation(settlement), settlement.Id, status, settlement.SettledAt)
        {
            ReversedAt = settlement.ReversedAt,
            ReversalId = settlement.Reversal?.Id,
        };
    }

    public static ReversalResponse ToResponse(SettlementReversal reversal, Settlement settlement)
    {
        ArgumentNullException.ThrowIfNull(reversal);
        ArgumentNullException.ThrowIfNull(settlement);
        var refunds = settlement.FundDebits;
        return new ReversalResponse
        {
            ReversalId = reversal.Id,
            SettlementId = settlement.Id,
            VisitNumber = settlement.VisitNumber,
            HospitalCode = settlement.HospitalCode,
            Reason = reversal.Reason,
            Channels = Channels.InSettlementOrder
                .Select(channel => new ChannelRefund { Channel = ToWire(channel), Amount = refunds[channel].ToYuan() })
                .ToArray(),
            FundsRestored = refunds.Sum.ToYuan(),
            ReversedAt = reversal.ReversedAt,
        };
    }
}
