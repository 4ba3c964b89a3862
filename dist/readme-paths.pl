#!/usr/bin/perl
# The README of the release tarball names only files the tarball carries.
#   readme-paths.pl rewrite DIR VERSION   (make dist: DIR is the distdir)
#       every relative link target and every `path/like/this` in DIR/README.md
#       that DIR does not carry becomes a link to that file in the repository
#       at the tag vVERSION, and a note says what the tarball is.
#   readme-paths.pl check DIR             (tests/suites/80-distcheck.sh)
#       prints each relative path DIR/README.md names that DIR does not
#       carry; exits 1 if there is one.
# Paths: markdown link targets, and backticked tokens holding a '/', outside
# fenced code blocks.
use strict;
use warnings;

my ($mode, $dir, $version) = @ARGV;
die "usage: $0 rewrite DIR VERSION | check DIR\n"
  unless defined $dir && ($mode eq 'check' || ($mode eq 'rewrite' && defined $version));
my $repo = 'https://github.com/libextref/libextref';
my $file = "$dir/README.md";
open my $in, '<', $file or die "$file: $!\n";
my @lines = <$in>;
close $in;

my $pathre = qr{\.?[A-Za-z0-9_][A-Za-z0-9_.~-]*(?:/[A-Za-z0-9_.~-]+)*/?};
sub carried { my $p = shift; $p =~ s{^\./}{}; $p =~ s{#.*}{}; return -e "$dir/$p"; }
sub url { my $p = shift; $p =~ s{^\./}{}; my $kind = $p =~ m{/$} ? 'tree' : 'blob';
  return "$repo/$kind/v$version/$p"; }

my @missing;
my $fenced = 0;
for my $l (@lines) {
  if ($l =~ /^\s*```/) { $fenced = !$fenced; next; }
  next if $fenced;
  # Link targets: [text](target), relative ones only.
  $l =~ s{\]\(($pathre)\)}{
    my $t = $1;
    if (carried($t)) { "]($t)" }
    elsif ($mode eq 'check') { push @missing, $t; "]($t)" }
    else { "](" . url($t) . ")" }
  }ge;
  # Backticked paths that are not the text of a link.
  $l =~ s{(?<!\[)`($pathre)`(?!\]\()}{
    my $t = $1;
    if ($t !~ m{/} || carried($t)) { "`$t`" }
    elsif ($mode eq 'check') { push @missing, $t; "`$t`" }
    else { "[`$t`](" . url($t) . ")" }
  }ge;
}

if ($mode eq 'check') {
  print "$_\n" for @missing;
  exit(@missing ? 1 : 0);
}
my $note = <<"END";
> This README comes with the release tarball libextref-$version. The tarball
> carries the library, its headers, manual pages, unit and ABI tests and the
> C examples: build it with `./configure && make && make check`. Links to
> what only the repository carries (bindings, runtime suites, benchmarks,
> `dev`) point to the repository at the tag v$version.
END
open my $out, '>', "$file.tmp" or die "$file.tmp: $!\n";
my $done = grep { /^> This README comes with the release tarball/ } @lines;
for my $l (@lines) {
  print $out $l;
  if (!$done && $l =~ /^# /) { print $out "\n", $note; $done = 1; }
}
close $out or die;
rename "$file.tmp", $file or die;
