! kiln.f90: the run-time lookup (kiln/lookup.h) for Fortran, over ISO_C_BINDING.
! Compile it with the application (a .mod file belongs to one compiler) and link
! libkiln:  gfortran -c $(pkg-config --variable=includedir kiln)/kiln/kiln.f90
!
!   use kiln
!   type(c_ptr) :: db, choice
!   db = kiln_lookup_open("tuning.db")            ! c_null_ptr on failure
!   choice = kiln_lookup_best(db, "triad", "pthread", "4194304")
!   wg = kiln_choice_value(choice, "wg", 256_c_long_long)
!   print *, kiln_provenance_name(kiln_choice_provenance(choice))
!   call kiln_choice_free(choice); call kiln_lookup_close(db)
!
! Strings passed in are Fortran strings (trailing blanks are dropped); an empty
! device or size means "any". The fallback rules are those of kiln/lookup.h.
module kiln
  use, intrinsic :: iso_c_binding
  implicit none
  private

  integer(c_int), parameter, public :: KILN_FROM_EXACT = 0, KILN_FROM_NEAREST_SIZE = 1, &
       KILN_FROM_OTHER_DEVICE = 2, KILN_FROM_OTHER_DEVICE_SIZE = 3, KILN_FROM_DEFAULT = 4

  public :: c_ptr, c_null_ptr, c_associated, c_long_long, c_int, c_double
  public :: kiln_lookup_open, kiln_lookup_close, kiln_lookup_errmsg, kiln_lookup_best
  public :: kiln_choice_free, kiln_choice_provenance, kiln_choice_value, kiln_choice_has
  public :: kiln_choice_config_json, kiln_choice_device, kiln_choice_size, kiln_choice_time_ns
  public :: kiln_choice_source, kiln_choice_lang, kiln_provenance_name

  interface
    function c_open(path, err, errlen) bind(C, name="kiln_lookup_open")
      import :: c_ptr, c_char, c_size_t
      character(kind=c_char), intent(in) :: path(*)
      character(kind=c_char), intent(out) :: err(*)
      integer(c_size_t), value :: errlen
      type(c_ptr) :: c_open
    end function
    subroutine c_close(l) bind(C, name="kiln_lookup_close")
      import :: c_ptr
      type(c_ptr), value :: l
    end subroutine
    function c_errmsg(l) bind(C, name="kiln_lookup_errmsg")
      import :: c_ptr
      type(c_ptr), value :: l
      type(c_ptr) :: c_errmsg
    end function
    function c_best(l, kernel, device, size) bind(C, name="kiln_lookup_best")
      import :: c_ptr, c_char
      type(c_ptr), value :: l
      character(kind=c_char), intent(in) :: kernel(*), device(*), size(*)
      type(c_ptr) :: c_best
    end function
    subroutine c_choice_free(c) bind(C, name="kiln_choice_free")
      import :: c_ptr
      type(c_ptr), value :: c
    end subroutine
    function c_provenance(c) bind(C, name="kiln_choice_provenance")
      import :: c_ptr, c_int
      type(c_ptr), value :: c
      integer(c_int) :: c_provenance
    end function
    function c_get(c, name, value) bind(C, name="kiln_choice_get")
      import :: c_ptr, c_char, c_int, c_long_long
      type(c_ptr), value :: c
      character(kind=c_char), intent(in) :: name(*)
      integer(c_long_long), intent(out) :: value
      integer(c_int) :: c_get
    end function
    function c_time_ns(c) bind(C, name="kiln_choice_time_ns")
      import :: c_ptr, c_double
      type(c_ptr), value :: c
      real(c_double) :: c_time_ns
    end function
    function c_provenance_name(p) bind(C, name="kiln_provenance_name")
      import :: c_ptr, c_int
      integer(c_int), value :: p
      type(c_ptr) :: c_provenance_name
    end function
    function c_strlen(s) bind(C, name="strlen")
      import :: c_ptr, c_size_t
      type(c_ptr), value :: s
      integer(c_size_t) :: c_strlen
    end function
  end interface

  ! The string getters of a choice, all of one shape.
  abstract interface
    function choice_string_fn(c) bind(C)
      import :: c_ptr
      type(c_ptr), value :: c
      type(c_ptr) :: choice_string_fn
    end function
  end interface
  procedure(choice_string_fn), bind(C, name="kiln_choice_config_json") :: c_config_json
  procedure(choice_string_fn), bind(C, name="kiln_choice_device") :: c_device
  procedure(choice_string_fn), bind(C, name="kiln_choice_size") :: c_size
  procedure(choice_string_fn), bind(C, name="kiln_choice_source") :: c_source
  procedure(choice_string_fn), bind(C, name="kiln_choice_lang") :: c_lang

contains

  ! A Fortran string as C reads it: trailing blanks dropped, NUL-terminated.
  pure function to_c(s) result(r)
    character(*), intent(in) :: s
    character(kind=c_char, len=len_trim(s) + 1) :: r
    r = trim(s) // c_null_char
  end function

  ! A C string as a Fortran string ("" for NULL).
  function from_c(p) result(r)
    type(c_ptr), intent(in) :: p
    character(:), allocatable :: r
    character(kind=c_char), pointer :: chars(:)
    integer :: i, n
    if (.not. c_associated(p)) then
      r = ""
      return
    end if
    n = int(c_strlen(p))
    call c_f_pointer(p, chars, [n])
    allocate(character(n) :: r)
    do i = 1, n
      r(i:i) = chars(i)
    end do
  end function

  ! The database at path, read-only ("" for $KILN_DB or ./kiln.db); c_null_ptr
  ! on failure, the reason in errmsg when given.
  function kiln_lookup_open(path, errmsg) result(l)
    character(*), intent(in) :: path
    character(*), intent(out), optional :: errmsg
    type(c_ptr) :: l
    character(kind=c_char) :: err(512)
    integer :: i
    err = c_null_char
    l = c_open(to_c(path), err, int(size(err), c_size_t))
    if (present(errmsg)) then
      errmsg = ""
      do i = 1, min(len(errmsg), size(err))
        if (err(i) == c_null_char) exit
        errmsg(i:i) = err(i)
      end do
    end if
  end function

  subroutine kiln_lookup_close(l)
    type(c_ptr), intent(inout) :: l
    call c_close(l)
    l = c_null_ptr
  end subroutine

  function kiln_lookup_errmsg(l) result(r)
    type(c_ptr), intent(in) :: l
    character(:), allocatable :: r
    r = from_c(c_errmsg(l))
  end function

  ! The best configuration ("" device or size: any); c_null_ptr on an error.
  function kiln_lookup_best(l, kernel, device, size) result(c)
    type(c_ptr), intent(in) :: l
    character(*), intent(in) :: kernel, device, size
    type(c_ptr) :: c
    c = c_best(l, to_c(kernel), to_c(device), to_c(size))
  end function

  subroutine kiln_choice_free(c)
    type(c_ptr), intent(inout) :: c
    call c_choice_free(c)
    c = c_null_ptr
  end subroutine

  function kiln_choice_provenance(c) result(p)
    type(c_ptr), intent(in) :: c
    integer(c_int) :: p
    p = c_provenance(c)
  end function

  ! The value of parameter name, or fallback when the choice has none.
  function kiln_choice_value(c, name, fallback) result(v)
    type(c_ptr), intent(in) :: c
    character(*), intent(in) :: name
    integer(c_long_long), intent(in) :: fallback
    integer(c_long_long) :: v
    if (c_get(c, to_c(name), v) /= 0) v = fallback
  end function

  logical function kiln_choice_has(c, name)
    type(c_ptr), intent(in) :: c
    character(*), intent(in) :: name
    integer(c_long_long) :: v
    kiln_choice_has = c_get(c, to_c(name), v) == 0
  end function

  function kiln_choice_config_json(c) result(r)
    type(c_ptr), intent(in) :: c
    character(:), allocatable :: r
    r = from_c(c_config_json(c))
  end function

  function kiln_choice_device(c) result(r)
    type(c_ptr), intent(in) :: c
    character(:), allocatable :: r
    r = from_c(c_device(c))
  end function

  function kiln_choice_size(c) result(r)
    type(c_ptr), intent(in) :: c
    character(:), allocatable :: r
    r = from_c(c_size(c))
  end function

  function kiln_choice_source(c) result(r)
    type(c_ptr), intent(in) :: c
    character(:), allocatable :: r
    r = from_c(c_source(c))
  end function

  function kiln_choice_lang(c) result(r)
    type(c_ptr), intent(in) :: c
    character(:), allocatable :: r
    r = from_c(c_lang(c))
  end function

  function kiln_choice_time_ns(c) result(t)
    type(c_ptr), intent(in) :: c
    real(c_double) :: t
    t = c_time_ns(c)
  end function

  function kiln_provenance_name(p) result(r)
    integer(c_int), intent(in) :: p
    character(:), allocatable :: r
    r = from_c(c_provenance_name(p))
  end function

end module kiln
