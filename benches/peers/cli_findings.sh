#!/bin/bash
# Re-runs findings 4, 6 and 7 of issue 11 (vocabulary, output, trust) with the
# command line binary given as $1; compare two binaries by diffing the outputs:
#   benches/peers/cli_findings.sh OLD/customer-value > before.txt
#   benches/peers/cli_findings.sh NEW/customer-value > after.txt
B=$1; D=/work/shared/data
L="-i $D/cdnow/CDNOW_sample.txt --delimiter whitespace --no-header --columns 2,3,5 --observation-end 1997-09-30"
cd $(mktemp -d)
echo "== 4. vocabulary: summary header / rfm header / stage header"
$B summary $L -o s.csv 2>/dev/null; head -1 s.csv
$B rfm --summary s.csv 2>/dev/null | head -1
$B stage $L 2>/dev/null | head -1
echo "== 6. output: summary row of customer 1 (days) and weeks"
sed -n 2p s.csv
$B summary $L --unit weeks -o w.csv 2>/dev/null; sed -n 2p w.csv
$B rfm --summary w.csv 2>/dev/null | sed -n 2p
echo "-- fit customers"; $B fit --model bg-nbd --summary w.csv 2>/dev/null | grep '"customers"'
$B fit --model bg-nbd --summary w.csv -o p.json 2>/dev/null; $B fit --model gamma-gamma --summary w.csv -o g.json 2>/dev/null
echo "-- predict row, then with --exact"
$B predict --params p.json --spend-params g.json --summary w.csv --horizon 39 2>/dev/null | sed -n 2p
$B predict --params p.json --spend-params g.json --summary w.csv --horizon 39 --exact 2>&1 | sed -n 2p
echo "-- percent formats (rfm report, tiers report)"
$B rfm --summary s.csv 2>&1 >/dev/null | grep -m1 Lost
$B tiers --summary s.csv 2>&1 >/dev/null | head -1
echo "-- missing column"
printf 'customer_id,frequency,recency,T,monetary_value\n1,0,0,5,0\n' > life.csv; $B rfm --summary life.csv 2>&1
echo "== 7. trust: ids 4,5 and a newline"
printf 'customer_id,date,amount\n"4,5",2024-01-01,5\n"x\ny",2024-01-02,3\nz,2024-01-03,1\n' > q.csv
for c in rfm tiers stage; do echo "-- $c"; $B $c -i q.csv --observation-end 2024-02-01 2>/dev/null | python3 -c 'import csv,sys; r=list(csv.reader(sys.stdin)); print([len(x) for x in r], [x[0] for x in r[1:]])'; done
echo "-- clv"; $B clv -i q.csv --observation-end 2024-02-01 --retention 0.8 --discount 0.1 --timing end 2>/dev/null | python3 -c 'import csv,sys; r=list(csv.reader(sys.stdin)); print([len(x) for x in r], [x[0] for x in r[1:]])'
echo "-- overflow"; printf 'customer_id,date,amount\nbig,2024-01-01,50000000000000000000000000000\nbig,2024-01-02,50000000000000000000000000000\n' > o.csv; $B summary -i o.csv --observation-end 2024-02-01 2>&1
echo "-- horizon 1e300"; $B predict --params p.json --summary w.csv --horizon 1e300 2>&1 | cut -c1-200; echo "exit ${PIPESTATUS[0]}"
echo "-- margin-rate -1"; $B clv --summary s.csv --retention 0.8 --discount 0.1 --timing end --margin-rate -1 >/dev/null 2>e; echo "exit $? $(head -c 150 e)"
echo "-- acquisition-cost -5"; $B clv --summary s.csv --retention 0.8 --discount 0.1 --timing end --acquisition-cost -5 >/dev/null 2>e; echo "exit $? $(head -c 150 e)"
echo "-- --bins 5 --bins 4"; $B rfm --summary s.csv --bins 5 --bins 4 >/dev/null 2>e; echo "exit $? $(cat e)"
echo "-- loyalty duplicate"; printf 'customer_id,A11,A12\nc1,1,2\nc2,2,3\nc1,3,4\n' > l.csv; $B loyalty -i l.csv 2>&1 | tail -4
echo "-- satisfaction duplicate"; printf 'q1,q1\n7,6\n' > sd.csv; $B satisfaction -i sd.csv 2>&1
# -o atomicity: kill -9 a 1,000,000-customer summary at several moments;
# out.csv must hold either the old content or the whole summary.
if [ -n "$KILLTEST" ]; then
  python3 -c "
with open('big.csv','w') as f:
    f.write('customer_id,date,amount\n')
    for c in range(1000000):
        f.write(f'{c},2024-01-{1+c%28:02d},{c%97+1}.{c%100:02d}\n')
        f.write(f'{c},2024-02-{1+c%27:02d},{c%89+1}.50\n')
"
  for d in 0.4 0.8 1.0 1.2 1.5 1.7 2.0; do
    printf 'old,content\n' > out.csv
    $B summary -i big.csv --observation-end 2024-03-31 -o out.csv 2>/dev/null & pid=$!
    sleep $d; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
    echo "kill after ${d}s: $(wc -l < out.csv) lines, first: $(head -c 11 out.csv | tr '\n' ' ')"
    rm -f .out.csv.*.tmp
  done
fi
