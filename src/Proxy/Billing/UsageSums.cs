namespace Proxy.Billing;

/// <summary>Adds up the measures of one row across days, with checked arithmetic: a sum past <see cref="long"/> is an
/// error, never a wrapped number on an invoice.</summary>
internal sealed class UsageSums
{
    private long _sessions;
    private long _durationMs;
    private long _billableMs;
    private long _ratedMs;
    private long _costMicros;
    private long _surchargeMicros;

    public void Add(string measure, long value)
    {
        checked
        {
            switch (measure)
            {
                case UsageField.Sessions: _sessions += value; break;
                case UsageField.DurationMs: _durationMs += value; break;
                case UsageField.BillableMs: _billableMs += value; break;
                case UsageField.RatedMs: _ratedMs += value; break;
                case UsageField.CostMicros: _costMicros += value; break;
                case UsageField.SurchargeMicros: _surchargeMicros += value; break;
                default: throw new ArgumentOutOfRangeException(nameof(measure), measure, "Not a usage measure.");
            }
        }
    }

    public void Add(UsageTotals totals)
    {
        checked
        {
            _sessions += totals.Sessions;
            _durationMs += totals.DurationMs;
            _billableMs += totals.BillableMs;
            _ratedMs += totals.RatedMs;
            _costMicros += totals.CostMicros;
        }
    }

    public long SurchargeMicros => _surchargeMicros;

    public UsageTotals Totals => new(_sessions, _durationMs, _billableMs, _ratedMs, _costMicros);
}
