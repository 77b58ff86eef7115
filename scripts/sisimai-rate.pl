#!/usr/bin/perl
# Times Debian's Sisimai (libsisimai-perl) over the same .eml files the Rust bench reads,
# so the two rates come from one machine in one run. Usage: sisimai-rate.pl DIR [ROUNDS]
use strict;
use warnings;
use Sisimai;
use Time::HiRes qw(time);

my $dir = shift @ARGV or die "usage: $0 DIR [ROUNDS]\n";
my $rounds = shift @ARGV // 3;
opendir(my $dh, $dir) or die "$dir: $!\n";
my @files = sort map { "$dir/$_" } grep { /\.eml$/ } readdir($dh);
closedir($dh);
die "no .eml files in $dir\n" unless @files;

my $best;
for my $round (1 .. $rounds) {
    my $start = time;
    for my $file (@files) {
        my $verdicts = Sisimai->make($file, delivered => 1, vacation => 1);
    }
    my $seconds = time - $start;
    $best = $seconds if !defined $best || $seconds < $best;
}
printf "sisimai %s: %d messages in %.3f s (best of %d) = %.0f messages/s\n",
    $Sisimai::VERSION, scalar(@files), $best, $rounds, scalar(@files) / $best;
