! lookup.f90: the start-up lookup of a Fortran application, through the kiln
! module (ISO_C_BINDING). Usage: lookup_f DB KERNEL DEVICE SIZE PARAM...
! prints "provenance=P size=S PARAM=V ..." as the C consumer does.
program lookup_f
  use kiln
  implicit none
  type(c_ptr) :: db, choice
  character(len=512) :: path, kernel, device, size, param, msg
  character(len=:), allocatable :: line
  integer :: i
  call get_command_argument(1, path)
  call get_command_argument(2, kernel)
  call get_command_argument(3, device)
  call get_command_argument(4, size)
  db = kiln_lookup_open(path, msg)
  if (.not. c_associated(db)) then
    write (0, '(a)') "lookup_f: " // trim(msg)
    stop 1
  end if
  choice = kiln_lookup_best(db, kernel, device, size)
  if (.not. c_associated(choice)) then
    write (0, '(a)') "lookup_f: " // kiln_lookup_errmsg(db)
    stop 1
  end if
  line = "provenance=" // kiln_provenance_name(kiln_choice_provenance(choice)) // " size=" // kiln_choice_size(choice)
  do i = 5, command_argument_count()
    call get_command_argument(i, param)
    write (msg, '(i0)') kiln_choice_value(choice, param, -1_c_long_long)
    line = line // " " // trim(param) // "=" // trim(msg)
  end do
  write (msg, '(i0)') len(kiln_choice_source(choice))
  if (len(kiln_choice_lang(choice)) == 0) then
    line = line // " lang=none source_bytes=" // trim(msg)
  else
    line = line // " lang=" // kiln_choice_lang(choice) // " source_bytes=" // trim(msg)
  end if
  write (*, '(a)') line
  deallocate (line)   ! a main program's allocatables live on to its end: freed here
  call kiln_choice_free(choice)
  call kiln_lookup_close(db)
end program
