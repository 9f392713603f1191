# tools/bench/scale.gp - one scale curve of `make bench` (report.py runs it):
#   gnuplot -e "dat='F.dat'; png='F.png'; xl='x label'; ttl='title'" scale.gp
# F.dat columns: installed count, XFRM TCP, kipsec TCP, XFRM RR, kipsec RR
set terminal pngcairo size 900,400 noenhanced
set output png
set multiplot layout 1,2 title ttl
set logscale x
set xlabel xl
set key bottom left
set yrange [0:*]
set ylabel "TCP Mbit/s (median)"
plot dat using 1:2 with linespoints title "XFRM", dat using 1:3 with linespoints title "kipsec"
set ylabel "TCP RR transactions/s (median)"
plot dat using 1:4 with linespoints title "XFRM", dat using 1:5 with linespoints title "kipsec"
unset multiplot
