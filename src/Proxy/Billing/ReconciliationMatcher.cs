using Proxy.Metering;

namespace Proxy.Billing;

/// <summary>
/// Matches Deepgram's requests with our session records, one record at a time (records are streamed customer by
/// customer; only the uploaded list, the unmatched ids and the records without a request id are held).
/// First by <c>deepgram_request_id</c> == <c>request_id</c>; then each record without a request id (the upstream
/// closed before its Welcome reached us) takes the unmatched request whose <c>created</c> lies within its upstream
/// open..close ± <see cref="OverlapTolerance"/>, nearest its open first, one to one.
/// </summary>
internal sealed class ReconciliationMatcher
{
    /// <summary>Most ids listed per side in a report (the counts are always complete): the last report is kept in
    /// Redis and shown in the console, so it stays small.</summary>
    public const int ListLimit = 1000;

    /// <summary>Deepgram stamps <c>created</c> with its own clock when it accepts the connection; ours stamps the
    /// upstream open when the upgrade answer arrives. Two seconds covers clock offset and handshake time.</summary>
    public static readonly TimeSpan OverlapTolerance = TimeSpan.FromSeconds(2);

    private readonly ReconciliationPeriod _period;
    private readonly Dictionary<string, DeepgramRequest> _requests = new(StringComparer.Ordinal);
    private readonly HashSet<string> _matchedIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _liveIds = new(StringComparer.Ordinal);
    private readonly List<SessionRecord> _withoutRequestId = [];
    private readonly List<string> _missingAtDeepgram = [];
    private long _missingAtDeepgramCount;
    private long _records;
    private long _openRecords;
    private long _driftTotal;
    private long _driftMax;
    private long _driftCompared;

    public ReconciliationMatcher(ReconciliationPeriod period, IEnumerable<DeepgramRequest> requests)
    {
        _period = period;
        foreach (var request in requests)
        {
            // Pages fetched twice or overlapping uploads list a request more than once: it is one request.
            _requests.TryAdd(request.RequestId, request);
        }
    }

    /// <summary>Takes one record; records outside the period or without an upstream session are ignored.</summary>
    public void Observe(SessionRecord record)
    {
        var hadUpstream = record.DeepgramRequestId is not null || record.UpstreamOpenedAtMs is not null;
        if (!hadUpstream || !_period.Contains(record.UpstreamOpenedAtMs ?? record.ClientOpenedAtMs))
        {
            return;
        }

        if (record.Status != SessionStatus.Closed)
        {
            _openRecords++;
            if (record.DeepgramRequestId is { } liveId && _requests.ContainsKey(liveId))
            {
                _liveIds.Add(liveId);
            }

            return;
        }

        _records++;
        if (record.DeepgramRequestId is not { } requestId)
        {
            _withoutRequestId.Add(record);
            return;
        }

        if (_requests.TryGetValue(requestId, out var request) && _matchedIds.Add(requestId))
        {
            CompareDuration(record, request);
            return;
        }

        MissAtDeepgram(record);
    }

    public ReconciliationReport Finish(string? customer, long ranAtMs)
    {
        var matchedById = _matchedIds.Count;
        var byOverlap = MatchByOverlap();
        var missingInRecords = new List<string>();
        long missingInRecordsCount = 0;
        long outsidePeriod = 0;
        foreach (var request in _requests.Values.OrderBy(r => r.CreatedMs).ThenBy(r => r.RequestId, StringComparer.Ordinal))
        {
            if (_matchedIds.Contains(request.RequestId) || _liveIds.Contains(request.RequestId))
            {
                continue;
            }

            if (!_period.Contains(request.CreatedMs))
            {
                outsidePeriod++;
                continue;
            }

            missingInRecordsCount++;
            if (missingInRecords.Count < ListLimit)
            {
                missingInRecords.Add(request.RequestId);
            }
        }

        return new ReconciliationReport
        {
            Matched = matchedById + byOverlap,
            MissingInRecords = missingInRecords,
            MissingAtDeepgram = _missingAtDeepgram,
            DurationDriftMs = new DurationDrift(_driftTotal, _driftMax, _driftCompared),
            Customer = customer,
            From = _period.FromText,
            To = _period.ToText,
            RanAtMs = ranAtMs,
            DeepgramRequests = _requests.Count,
            Records = _records,
            MatchedByOverlap = byOverlap,
            MissingInRecordsCount = missingInRecordsCount,
            MissingAtDeepgramCount = _missingAtDeepgramCount,
            OutsidePeriod = outsidePeriod,
            OpenRecords = _openRecords,
        };
    }

    /// <summary>Records without a request id take the free request created within their upstream open..close ± the
    /// tolerance, nearest their open; records in open order, so an earlier session does not take a later one's.</summary>
    private long MatchByOverlap()
    {
        if (_withoutRequestId.Count == 0)
        {
            return 0;
        }

        var tolerance = (long)OverlapTolerance.TotalMilliseconds;
        var free = _requests.Values
            .Where(r => !_matchedIds.Contains(r.RequestId) && !_liveIds.Contains(r.RequestId))
            .OrderBy(r => r.CreatedMs)
            .ToList();
        var taken = new bool[free.Count];
        long matched = 0;
        foreach (var record in _withoutRequestId.OrderBy(r => r.UpstreamOpenedAtMs ?? r.ClientOpenedAtMs))
        {
            var openedMs = record.UpstreamOpenedAtMs ?? record.ClientOpenedAtMs;
            var closedMs = record.UpstreamClosedAtMs ?? (openedMs + (record.DurationMs ?? 0));
            var best = -1;
            for (var i = FirstAtOrAfter(free, openedMs - tolerance); i < free.Count && free[i].CreatedMs <= closedMs + tolerance; i++)
            {
                if (!taken[i] && (best < 0 || Math.Abs(free[i].CreatedMs - openedMs) < Math.Abs(free[best].CreatedMs - openedMs)))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                MissAtDeepgram(record);
                continue;
            }

            taken[best] = true;
            _matchedIds.Add(free[best].RequestId);
            CompareDuration(record, free[best]);
            matched++;
        }

        return matched;
    }

    private static int FirstAtOrAfter(List<DeepgramRequest> byCreated, long createdMs)
    {
        int low = 0, high = byCreated.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (byCreated[middle].CreatedMs < createdMs)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private void CompareDuration(SessionRecord record, DeepgramRequest request)
    {
        if (record.DurationMs is not { } ours || request.DurationMs is not { } theirs)
        {
            return;
        }

        var drift = Math.Abs(ours - theirs);
        _driftTotal += drift;
        _driftMax = Math.Max(_driftMax, drift);
        _driftCompared++;
    }

    private void MissAtDeepgram(SessionRecord record)
    {
        _missingAtDeepgramCount++;
        if (_missingAtDeepgram.Count < ListLimit)
        {
            _missingAtDeepgram.Add(record.SessionId);
        }
    }
}
