// bench/read-probe.c — reading 4,096 random rows of a shard: through a memory map (fault, copy,
// MADV_DONTNEED, as training did before) against pread (as it does now), 20 rounds, mean per round.
//   cc -O2 bench/read-probe.c -o /tmp/read-probe && /tmp/read-probe SHARD.npy ROW_BYTES
// (docs/journal/results-journal-sessions-1-30.md, "Memory (must-show 6)"). Row offsets ignore the .npy header: the probe times access, not values.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int c,char**v){int fd=open(v[1],O_RDONLY);off_t n=lseek(fd,0,SEEK_END);size_t row=atoi(v[2]);size_t rows=(n-128)/row;
 char*p=mmap(0,n,PROT_READ,MAP_PRIVATE,fd,0); char*buf=malloc(4096*row); srand(1);
 size_t idx[4096]; double tm=0,tp=0;
 for(int rep=0;rep<20;rep++){ for(int i=0;i<4096;i++) idx[i]=128+((size_t)rand()%rows)*row;
  double t0=now(); for(int i=0;i<4096;i++) memcpy(buf+i*row,p+idx[i],row); madvise(p,n,MADV_DONTNEED); tm+=now()-t0;
  t0=now(); for(int i=0;i<4096;i++) pread(fd,buf+i*row,row,idx[i]); tp+=now()-t0; }
 printf("row %zu B: mmap+fault+drop %.2f ms / 4096 rows, pread %.2f ms\n",row,tm/20*1e3,tp/20*1e3);}
